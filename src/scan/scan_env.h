/*
 * The start-up environment: PYTHONSTARTUP, PYTHONPATH, PYTHONHOME and
 * PYTHONUSERBASE wherever a session, a service or a job gets them:
 * /etc/environment, /etc/profile and the files of /etc/profile.d, /etc/bash.bashrc,
 * zsh's system files, /etc/security/pam_env.conf, environment.d folders,
 * each account's shell start-up files and ~/.pam_environment, systemd units
 * (system and user, with their drop-ins and EnvironmentFile= files),
 * crontabs, and, on a live host, /proc/PID/environ.
 *
 * Each setting is a finding with its file and line. PYTHONSTARTUP's script
 * is judged by the verdict rules; each PYTHONPATH folder is searched for
 * customize modules; an empty PYTHONPATH element (it puts the folder Python
 * starts in first) is a finding of its own; PYTHONUSERBASE adds a user base
 * for the site stage, which must therefore run after this one.
 *
 * Ownership: findings and user bases go to the struct scan_ctx.
 */
#ifndef SW_SCAN_ENV_H
#define SW_SCAN_ENV_H

#include "scan_model.h"

void scan_env(struct scan_ctx *ctx);

/*
 * Scans one file's text for the four variables; `origin` is the file's path.
 * Exposed for the unit tests.
 */
void scan_env_text(struct scan_ctx *ctx, const char *origin, const char *data, size_t len);

#endif
