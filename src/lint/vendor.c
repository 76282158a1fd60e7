/*
 * Non-ECS fields that Elastic's data sources write, in three kinds:
 *
 * 1. Elastic Defend's "Ext" convention. Defend (the endpoint integration)
 *    adds its own fields to an ECS field set under a segment named Ext:
 *    process.Ext.token.integrity_level_name, file.Ext.original.path,
 *    process.parent.Ext.real.pid, dll.Ext.relative_file_creation_time. A
 *    path whose segment "Ext" follows an ECS field set is accepted whatever
 *    comes after it; "proces.Ext.x" is not, since "proces" is no field set.
 *
 * 2. Elastic Defend's own top-level objects, which its schema spells with a
 *    capital letter (ECS names are lower case, so they cannot collide):
 *    Effective_process (the process that asked for an action, such as
 *    wmic.exe behind WmiPrvSE.exe), Target (the process acted upon),
 *    Endpoint (the agent's own state) and Persistence.
 *
 * 3. Integration namespaces. Each Elastic integration keeps the fields
 *    that ECS has no place for under its own name: winlog.* for the Windows
 *    event log, aws.* for CloudTrail, and so on; Elastic APM does the same
 *    with processor.*. The list contains the namespaces that Elastic's
 *    published EQL rules query, plus a few other widely deployed security
 *    integrations. A field in such a namespace is taken as its integration
 *    defines it. Its spelling is not checked, because the integrations'
 *    field lists are not bundled.
 */
#include "vendor.h"

#include <stdbool.h>
#include <string.h>

#include "ecs.h"

struct vendor_namespace {
	const char *name;  /* first segment of the path, or a whole one-word field */
	const char *owner;
};

static const struct vendor_namespace defend_objects[] = {
	{ "Effective_process", "Elastic Defend" },
	{ "Endpoint", "Elastic Defend" },
	{ "Persistence", "Elastic Defend" },
	{ "Target", "Elastic Defend" },
};

static const struct vendor_namespace integrations[] = {
	{ "auditd", "Auditbeat's auditd module" },
	{ "aws", "the AWS integration" },
	{ "azure", "the Azure integrations" },
	{ "blocklist_label", "the ProblemChild machine-learning package" },
	{ "crowdstrike", "the CrowdStrike integration" },
	{ "endgame", "Elastic Endgame" },
	{ "flow", "the Network Packet Capture integration (flow records)" },
	{ "fortinet", "the Fortinet integrations" },
	{ "gcp", "the Google Cloud integration" },
	{ "github", "the GitHub integration" },
	{ "google_workspace", "the Google Workspace integration" },
	{ "kibana", "Kibana's alert documents" },
	{ "kubernetes", "the Kubernetes integration" },
	{ "m365_defender", "the Microsoft 365 Defender integration" },
	{ "network_traffic", "the Network Packet Capture integration" },
	{ "o365", "the Microsoft 365 integration" },
	{ "okta", "the Okta integration" },
	{ "powershell", "the Windows integration (PowerShell logs)" },
	{ "problemchild", "the ProblemChild machine-learning package" },
	{ "processor", "Elastic APM" },
	{ "sentinel_one", "the SentinelOne integration" },
	{ "signal", "Kibana's alert documents before 8.0" },
	{ "system", "the System integration" },
	{ "winlog", "the Windows integrations (Windows event logs, Sysmon)" },
};

static const char *find_namespace(const struct vendor_namespace *list, size_t n,
				  const char *first, size_t len)
{
	for (size_t i = 0; i < n; i++) {
		if (strlen(list[i].name) == len && memcmp(list[i].name, first, len) == 0)
			return list[i].owner;
	}
	return NULL;
}

/* True when `path` has an "Ext" segment right after an ECS field set. */
static bool is_defend_extension(const char *path)
{
	for (const char *p = strstr(path, ".Ext"); p != NULL; p = strstr(p + 1, ".Ext")) {
		if (p[4] != '.' && p[4] != '\0')
			continue;
		if (lint_ecs_has_children(path, (size_t)(p - path)))
			return true;
	}
	return false;
}

const char *lint_vendor_owner(const char *path)
{
	const char *dot = strchr(path, '.');
	size_t len = dot != NULL ? (size_t)(dot - path) : strlen(path);
	const char *owner;

	if (is_defend_extension(path))
		return "Elastic Defend";
	owner = find_namespace(defend_objects, sizeof(defend_objects) / sizeof(defend_objects[0]),
			       path, len);
	if (owner != NULL && dot != NULL)
		return owner;
	return find_namespace(integrations, sizeof(integrations) / sizeof(integrations[0]),
			      path, len);
}
