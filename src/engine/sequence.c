#include "sequence.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "../util/strmap.h"
#include "../util/xalloc.h"

/* Sweep for expired sequences after this many fed events (maxspan only). */
#define SWEEP_INTERVAL 65536

struct pending {
	struct candidate **events; /* one per completed stage */
	size_t nevents;
	int64_t start; /* timestamp of the first event */
};

/* Pending sequences of one join key: stage[i] has completed stages 0..i. */
struct key_state {
	size_t open;
	struct pending *stage[];
};

struct seq_matcher {
	size_t nstages;
	unsigned *first_stage;  /* per clause: its first stage */
	unsigned *clause_runs;  /* per clause: how many stages it spans */
	size_t nclauses;
	int64_t maxspan;
	size_t max_pending;
	struct strmap keys;
	seq_emit_fn emit;
	void *arg;
	int64_t now;
	uint64_t fed;
	struct seq_stats stats;
};

static void pending_free(struct pending *p)
{
	for (size_t i = 0; i < p->nevents; i++)
		candidate_unref(p->events[i]);
	free(p->events);
	free(p);
}

struct seq_matcher *seq_new(const struct eql_query *query, size_t max_pending,
			    seq_emit_fn emit, void *arg)
{
	struct seq_matcher *m = xcalloc(1, sizeof(*m));

	m->nclauses = query->nclauses;
	m->first_stage = xcalloc(query->nclauses, sizeof(*m->first_stage));
	m->clause_runs = xcalloc(query->nclauses, sizeof(*m->clause_runs));
	for (size_t i = 0; i < query->nclauses; i++) {
		int64_t runs = query->clauses[i].runs > 0 ? query->clauses[i].runs : 1;

		m->first_stage[i] = (unsigned)m->nstages;
		m->clause_runs[i] = (unsigned)runs;
		m->nstages += (size_t)runs;
	}
	m->maxspan = query->maxspan_ms;
	m->max_pending = max_pending;
	m->emit = emit;
	m->arg = arg;
	strmap_init(&m->keys);
	return m;
}

static void key_state_free(const char *key, size_t len, void *value, void *arg)
{
	struct key_state *ks = value;
	struct seq_matcher *m = arg;

	(void)key;
	(void)len;
	for (size_t i = 0; i < m->nstages; i++) {
		if (ks->stage[i] != NULL)
			pending_free(ks->stage[i]);
	}
	free(ks);
}

void seq_free(struct seq_matcher *m)
{
	if (m == NULL)
		return;
	strmap_each(&m->keys, key_state_free, m);
	strmap_free(&m->keys);
	free(m->first_stage);
	free(m->clause_runs);
	free(m);
}

static struct key_state *key_state_get(struct seq_matcher *m, const char *key,
				       size_t len, bool create)
{
	void **slot;

	if (!create)
		return strmap_get(&m->keys, key, len);
	slot = strmap_upsert(&m->keys, key, len);
	if (*slot == NULL)
		*slot = xcalloc(1, sizeof(struct key_state) + m->nstages * sizeof(struct pending *));
	return *slot;
}

/* Drops the state of `key` once it holds no pending sequence. */
static void key_state_trim(struct seq_matcher *m, struct key_state *ks,
			   const char *key, size_t len)
{
	if (ks->open > 0)
		return;
	strmap_remove(&m->keys, key, len);
	free(ks);
}

static void stage_clear(struct seq_matcher *m, struct key_state *ks, size_t stage)
{
	if (ks->stage[stage] == NULL)
		return;
	pending_free(ks->stage[stage]);
	ks->stage[stage] = NULL;
	ks->open--;
	m->stats.pending--;
}

/* Puts `p` at `stage`, replacing the older sequence there. */
static void stage_put(struct seq_matcher *m, struct key_state *ks, size_t stage,
		      struct pending *p)
{
	if (ks->stage[stage] != NULL) {
		stage_clear(m, ks, stage);
		m->stats.replaced++;
	}
	ks->stage[stage] = p;
	ks->open++;
	m->stats.pending++;
}

static bool within_maxspan(const struct seq_matcher *m, const struct pending *p,
			   int64_t timestamp)
{
	return m->maxspan <= 0 || timestamp - p->start <= m->maxspan;
}

static void complete(struct seq_matcher *m, const char *key, size_t len,
		     struct pending *p)
{
	m->stats.completed++;
	m->emit(m->arg, key, len, p->events, p->nevents);
	pending_free(p);
}

static void start_sequence(struct seq_matcher *m, const char *key, size_t len,
			   struct candidate *c)
{
	struct pending *p;
	struct key_state *ks;

	if (m->nstages > 1 && m->stats.pending >= m->max_pending) {
		ks = key_state_get(m, key, len, false);
		if (ks == NULL || ks->stage[0] == NULL) {
			m->stats.dropped++;
			return;
		}
	}

	p = xcalloc(1, sizeof(*p));
	p->events = xcalloc(m->nstages, sizeof(*p->events));
	p->events[0] = candidate_ref(c);
	p->nevents = 1;
	p->start = c->timestamp;
	if (m->nstages == 1) {
		complete(m, key, len, p);
		return;
	}
	ks = key_state_get(m, key, len, true);
	stage_put(m, ks, 0, p);
}

/* Moves the sequence waiting at stage-1 to `stage` with event `c`. */
static void extend_sequence(struct seq_matcher *m, const char *key, size_t len,
			    size_t stage, struct candidate *c)
{
	struct key_state *ks = key_state_get(m, key, len, false);
	struct pending *p;

	if (ks == NULL || ks->stage[stage - 1] == NULL)
		return;

	p = ks->stage[stage - 1];
	ks->stage[stage - 1] = NULL;
	ks->open--;
	m->stats.pending--;
	if (!within_maxspan(m, p, c->timestamp)) {
		m->stats.expired++;
		pending_free(p);
		key_state_trim(m, ks, key, len);
		return;
	}

	p->events[p->nevents++] = candidate_ref(c);
	if (stage + 1 == m->nstages) {
		key_state_trim(m, ks, key, len);
		complete(m, key, len, p);
		return;
	}
	stage_put(m, ks, stage, p);
}

static void until_key(struct seq_matcher *m, const char *key, size_t len)
{
	struct key_state *ks = key_state_get(m, key, len, false);

	if (ks == NULL)
		return;
	for (size_t s = 0; s < m->nstages; s++)
		stage_clear(m, ks, s);
	key_state_trim(m, ks, key, len);
}

/*
 * Advances every stage that `hit` may fill, last stage first, so that one
 * event never fills two stages of the same sequence.
 */
static void feed_hit(struct seq_matcher *m, struct candidate *c,
		     const struct candidate_hit *hit, size_t stage)
{
	for (size_t k = 0; k < hit->nkeys; k++) {
		if (stage == 0)
			start_sequence(m, hit->keys[k], hit->key_lens[k], c);
		else
			extend_sequence(m, hit->keys[k], hit->key_lens[k], stage, c);
	}
}

struct sweep {
	struct seq_matcher *m;
	char **keys;
	size_t *lens;
	size_t n;
	size_t cap;
	size_t lens_cap;
};

static void sweep_collect(const char *key, size_t len, void *value, void *arg)
{
	struct sweep *s = arg;
	struct key_state *ks = value;

	for (size_t i = 0; i < s->m->nstages; i++) {
		if (ks->stage[i] != NULL && !within_maxspan(s->m, ks->stage[i], s->m->now)) {
			stage_clear(s->m, ks, i);
			s->m->stats.expired++;
		}
	}
	if (ks->open == 0) {
		s->keys = xgrow(s->keys, &s->cap, s->n + 1, sizeof(*s->keys));
		s->lens = xgrow(s->lens, &s->lens_cap, s->n + 1, sizeof(*s->lens));
		s->keys[s->n] = (char *)key;
		s->lens[s->n] = len;
		s->n++;
	}
}

/* Drops sequences that can no longer complete because maxspan has passed. */
static void sweep_expired(struct seq_matcher *m)
{
	struct sweep s = { .m = m };

	strmap_each(&m->keys, sweep_collect, &s);
	for (size_t i = 0; i < s.n; i++) {
		char *key = xstrndup(s.keys[i], s.lens[i]);

		free(strmap_remove(&m->keys, key, s.lens[i]));
		free(key);
	}
	free(s.keys);
	free(s.lens);
}

void seq_feed(struct seq_matcher *m, struct candidate *c,
	      const struct candidate_hit *const *hits, size_t nhits)
{
	m->now = c->timestamp;
	for (size_t s = m->nstages; s-- > 0;) {
		for (size_t i = 0; i < nhits; i++) {
			unsigned clause = hits[i]->clause;

			if (clause == CANDIDATE_UNTIL || clause >= m->nclauses)
				continue;
			if (s < m->first_stage[clause] ||
			    s >= m->first_stage[clause] + m->clause_runs[clause])
				continue;
			feed_hit(m, c, hits[i], s);
		}
	}

	/*
	 * "until" comes after the stages: an event that both completes a
	 * sequence and passes the until clause still completes it, as in
	 * Elasticsearch's sequenceWithOptionalFieldsAndUntil_1 case.
	 */
	for (size_t i = 0; i < nhits; i++) {
		if (hits[i]->clause != CANDIDATE_UNTIL)
			continue;
		for (size_t k = 0; k < hits[i]->nkeys; k++)
			until_key(m, hits[i]->keys[k], hits[i]->key_lens[k]);
	}

	if (m->maxspan > 0 && ++m->fed % SWEEP_INTERVAL == 0)
		sweep_expired(m);
}

const struct seq_stats *seq_stats(const struct seq_matcher *m)
{
	return &m->stats;
}

size_t seq_stage_count(const struct seq_matcher *m)
{
	return m->nstages;
}
