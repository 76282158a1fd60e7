/*
 * Field names outside ECS that Elastic's own data sources write on purpose,
 * so that the field lint does not report them. docs/check.md lists the
 * namespaces and why each is there.
 *
 * Ownership: static data only.
 */
#ifndef SW_LINT_VENDOR_H
#define SW_LINT_VENDOR_H

/*
 * Who defines `path`, which is not an ECS field, as a short phrase for
 * messages ("Elastic Defend", "the Windows integration"); NULL when no
 * known data source writes it.
 */
const char *lint_vendor_owner(const char *path);

#endif
