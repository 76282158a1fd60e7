/*
 * The alert writer: one ECS document per rule match, written as one line of
 * compact JSON. docs/alerts.md lists every field and where it comes from.
 *
 * Ownership: alert_write() only reads the rule and the match; the caller
 * owns both and the output buffer.
 */
#ifndef SW_ALERT_H
#define SW_ALERT_H

#include <stddef.h>
#include <stdint.h>

#include "rule.h"
#include "../util/buf.h"

struct alert_match {
	int64_t timestamp_ms;         /* of the last matched event, epoch milliseconds */
	const char *host_name;        /* decoded text; NULL when the events have none */
	size_t host_name_len;
	/*
	 * Distinct host names of the events, written as an array in host.name
	 * instead of host_name when there are two or more (a sequence across
	 * hosts). ECS host.name is a keyword, which may have several values.
	 */
	const char *const *host_names;
	const size_t *host_name_lens;
	size_t nhost_names;
	const char *join_keys_json;   /* a JSON array text, "[]" for an event query */
	size_t join_keys_len;
	const char *const *events;    /* compact JSON documents, in order */
	const size_t *event_lens;
	size_t nevents;               /* a missing sequence event is the text {"missing":true} */
};

/*
 * Appends the alert for `m` to `out` as one line of compact JSON, without
 * the trailing newline (the caller adds it). The join keys and events are
 * copied as given, so they must already be compact JSON.
 */
void alert_write(struct buf *out, const struct rule *rule, const struct alert_match *m);

#endif
