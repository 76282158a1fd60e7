/*
 * The alert writer. Field choices follow ECS (the field list of ECS 9.x);
 * docs/alerts.md explains each one, and why `threat` is Kibana's array.
 */
#include "alert.h"

#include <string.h>

#include "event/timestamp.h"

/* Appends ,"key": with the comma unless the object has just been opened. */
static void write_key(struct buf *out, const char *key)
{
	if (out->len > 0 && out->data[out->len - 1] != '{')
		buf_putc(out, ',');
	buf_json_string(out, key, strlen(key));
	buf_putc(out, ':');
}

static void write_string_member(struct buf *out, const char *key, const char *value)
{
	write_key(out, key);
	buf_json_string(out, value, strlen(value));
}

static void write_string_array_member(struct buf *out, const char *key,
				      const struct rule_strings *list)
{
	write_key(out, key);
	buf_putc(out, '[');
	for (size_t i = 0; i < list->count; i++) {
		if (i > 0)
			buf_putc(out, ',');
		buf_json_string(out, list->items[i], strlen(list->items[i]));
	}
	buf_putc(out, ']');
}

/* ECS types event.severity as long and event.risk_score as float; both get the risk score. */
static void write_event(struct buf *out, const struct rule *rule)
{
	write_key(out, "event");
	buf_putc(out, '{');
	write_string_member(out, "kind", "alert");
	write_string_member(out, "module", "sitewatch");
	write_key(out, "severity");
	buf_printf(out, "%d", rule->risk_score);
	write_key(out, "risk_score");
	buf_printf(out, "%d", rule->risk_score);
	buf_putc(out, '}');
}

/*
 * ECS rule.*: Kibana's rule_id is the same in every installation, so it fits
 * both rule.id (unique per agent) and rule.uuid (unique across agents), and
 * both carry it. rule.version is a keyword in ECS, so it is written as text.
 */
static void write_rule(struct buf *out, const struct rule *rule)
{
	write_key(out, "rule");
	buf_putc(out, '{');
	write_string_member(out, "id", rule->rule_id);
	write_string_member(out, "uuid", rule->rule_id);
	write_string_member(out, "name", rule->name);
	if (rule->description[0] != '\0')
		write_string_member(out, "description", rule->description);
	write_key(out, "version");
	buf_printf(out, "\"%lld\"", (long long)rule->version);
	if (rule->author.count > 0)
		write_string_array_member(out, "author", &rule->author);
	if (rule->license != NULL)
		write_string_member(out, "license", rule->license);
	if (rule->references.count > 0)
		write_string_array_member(out, "reference", &rule->references);
	buf_putc(out, '}');
}

/* The words ECS has no field for: Kibana's severity and sitewatch's confidence. */
static void write_sitewatch(struct buf *out, const struct rule *rule)
{
	write_key(out, "sitewatch");
	buf_putc(out, '{');
	write_key(out, "rule");
	buf_putc(out, '{');
	write_string_member(out, "severity", rule_severity_name(rule->severity));
	if (rule->confidence != NULL)
		write_string_member(out, "confidence", rule->confidence);
	buf_puts(out, "}}");
}

static void write_eql(struct buf *out, const struct alert_match *m)
{
	write_key(out, "eql");
	buf_putc(out, '{');
	write_key(out, "join_keys");
	buf_append(out, m->join_keys_json, m->join_keys_len);
	write_key(out, "events");
	buf_putc(out, '[');
	for (size_t i = 0; i < m->nevents; i++) {
		if (i > 0)
			buf_putc(out, ',');
		buf_append(out, m->events[i], m->event_lens[i]);
	}
	buf_puts(out, "]}");
}

void alert_write(struct buf *out, const struct rule *rule, const struct alert_match *m)
{
	char timestamp[40];

	timestamp_format(m->timestamp_ms, timestamp, sizeof(timestamp));
	buf_putc(out, '{');
	write_string_member(out, "@timestamp", timestamp);
	write_event(out, rule);
	write_rule(out, rule);
	write_key(out, "threat");
	buf_append(out, rule->threat_json, rule->threat_json_len);
	write_sitewatch(out, rule);

	if (m->nhost_names > 1) {
		write_key(out, "host");
		buf_putc(out, '{');
		write_key(out, "name");
		buf_putc(out, '[');
		for (size_t i = 0; i < m->nhost_names; i++) {
			if (i > 0)
				buf_putc(out, ',');
			buf_json_string(out, m->host_names[i], m->host_name_lens[i]);
		}
		buf_puts(out, "]}");
	} else if (m->host_name != NULL) {
		write_key(out, "host");
		buf_putc(out, '{');
		write_key(out, "name");
		buf_json_string(out, m->host_name, m->host_name_len);
		buf_putc(out, '}');
	}
	write_eql(out, m);
	buf_putc(out, '}');
}
