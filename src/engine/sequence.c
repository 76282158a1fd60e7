#include "sequence.h"

#include <stdlib.h>
#include <string.h>

#include "../util/strmap.h"
#include "../util/xalloc.h"

/* No such event: earlier than every timestamp. */
#define NO_TIME INT64_MIN

/* The position of a clause among the stages, which decides how a missing clause is checked. */
enum role {
	ROLE_POSITIVE,
	ROLE_LEADING,  /* missing, before the first positive stage */
	ROLE_MIDDLE,   /* missing, between two positive stages */
	ROLE_TRAILING, /* missing, after the last positive stage */
};

enum verdict {
	VERDICT_PENDING,   /* waiting for a trailing missing event or for time */
	VERDICT_ACCEPT,
	VERDICT_REJECT,    /* a missing event was found */
	VERDICT_UNDECIDED, /* the window reaches outside what was searched */
	VERDICT_EVICTED,   /* dropped at the cap while waiting */
};

struct key_state;

/*
 * A sequence: partial (it sits in its key's slot and on the age list) or
 * complete (it sits in the output queue, and while undecided in its key's
 * waiting list; prev/next then link that list).
 */
struct pending {
	struct candidate **events; /* one per positive stage */
	size_t nevents;
	int64_t start;    /* first positive event */
	int64_t last;     /* latest positive event */
	int64_t lead;     /* latest leading missing event before start, or NO_TIME */
	int64_t deadline; /* waiting: a trailing missing event after this no longer rules it out */
	bool ruled_out;   /* a middle missing event fell between two of its events */
	bool lead_unseen; /* no leading event seen, and --from hides what came before */
	bool open_at_end;
	enum verdict verdict;
	unsigned slot;    /* partial: index of the last positive stage it filled */
	struct key_state *ks;
	struct pending *prev, *next; /* age list, or the key's waiting list */
	struct pending *queued;      /* next in the output queue */
};

/* Sequences of one join key; the key text follows the slots. */
struct key_state {
	const char *key;
	size_t len;
	size_t open;              /* partial and queued sequences of this key */
	struct pending *waiting;  /* undecided, waiting for a trailing missing event */
	struct pending *slot[];   /* one per positive stage */
};

/* The two latest events of one leading or middle missing clause and key. */
struct record {
	int64_t last, prev;       /* prev < last, or NO_TIME */
	unsigned clause;
	const char *key;
	size_t len;
	struct record *older, *newer;
};

struct stage {
	unsigned clause;
	bool missing;
};

struct seq_matcher {
	struct stage *stages;
	size_t nstages;
	unsigned *positive;       /* stage index of each positive stage */
	size_t npos;
	enum role *role;          /* per clause */
	unsigned *first_pos;      /* positive clause: its first index in positive[] */
	unsigned *runs;           /* per clause */
	size_t nclauses;
	bool has_lead, has_trail;
	int64_t maxspan;
	struct seq_options opts;
	seq_emit_fn emit;
	void *arg;

	struct strmap keys;       /* key text -> struct key_state */
	struct pending *oldest, *newest; /* partial sequences by age */
	size_t npartial;
	struct pending *queue_head, *queue_tail;
	size_t nqueued;
	struct strmap *records;   /* per clause: key text -> struct record */
	struct record *rec_oldest, *rec_newest;
	size_t nrecords;
	struct candidate **out;   /* nstages entries, for emitting */
	struct seq_stats stats;
};

/* ---- set-up ---- */

static void add_stages(struct seq_matcher *m, const struct eql_clause *c, unsigned clause)
{
	m->runs[clause] = (unsigned)(c->runs > 0 ? c->runs : 1);
	for (unsigned r = 0; r < m->runs[clause]; r++) {
		m->stages[m->nstages].clause = clause;
		m->stages[m->nstages].missing = c->missing;
		if (!c->missing) {
			if (r == 0)
				m->first_pos[clause] = (unsigned)m->npos;
			m->positive[m->npos++] = (unsigned)m->nstages;
		}
		m->nstages++;
	}
}

static void assign_roles(struct seq_matcher *m, const struct eql_query *q)
{
	size_t first = m->npos ? m->positive[0] : 0;
	size_t last = m->npos ? m->positive[m->npos - 1] : 0;

	for (size_t s = 0; s < m->nstages; s++) {
		unsigned clause = m->stages[s].clause;

		if (!q->clauses[clause].missing)
			m->role[clause] = ROLE_POSITIVE;
		else if (s < first)
			m->role[clause] = ROLE_LEADING;
		else if (s > last)
			m->role[clause] = ROLE_TRAILING;
		else
			m->role[clause] = ROLE_MIDDLE;
	}
	m->has_lead = m->npos > 0 && first > 0;
	m->has_trail = m->npos > 0 && last + 1 < m->nstages;
}

struct seq_matcher *seq_new(const struct eql_query *query, const struct seq_options *opts,
			    seq_emit_fn emit, void *arg)
{
	struct seq_matcher *m = xcalloc(1, sizeof(*m));
	size_t total = 0;

	for (size_t i = 0; i < query->nclauses; i++)
		total += (size_t)(query->clauses[i].runs > 0 ? query->clauses[i].runs : 1);
	m->nclauses = query->nclauses;
	m->stages = xcalloc(total ? total : 1, sizeof(*m->stages));
	m->positive = xcalloc(total ? total : 1, sizeof(*m->positive));
	m->out = xcalloc(total ? total : 1, sizeof(*m->out));
	m->role = xcalloc(m->nclauses ? m->nclauses : 1, sizeof(*m->role));
	m->first_pos = xcalloc(m->nclauses ? m->nclauses : 1, sizeof(*m->first_pos));
	m->runs = xcalloc(m->nclauses ? m->nclauses : 1, sizeof(*m->runs));
	m->records = xcalloc(m->nclauses ? m->nclauses : 1, sizeof(*m->records));
	for (size_t i = 0; i < query->nclauses; i++) {
		add_stages(m, &query->clauses[i], (unsigned)i);
		strmap_init(&m->records[i]);
	}
	assign_roles(m, query);

	m->maxspan = query->maxspan_ms;
	m->opts = *opts;
	m->emit = emit;
	m->arg = arg;
	strmap_init(&m->keys);
	return m;
}

/* ---- key states and sequences ---- */

static void pending_free(struct pending *p)
{
	for (size_t i = 0; i < p->nevents; i++)
		candidate_unref(p->events[i]);
	free(p->events);
	free(p);
}

static struct key_state *key_state_get(struct seq_matcher *m, const char *key,
				       size_t len, bool create)
{
	void **slot;
	struct key_state *ks;

	if (!create)
		return strmap_get(&m->keys, key, len);
	slot = strmap_upsert(&m->keys, key, len);
	if (*slot != NULL)
		return *slot;

	ks = xcalloc(1, sizeof(*ks) + m->npos * sizeof(struct pending *) + len + 1);
	memcpy((char *)&ks->slot[m->npos], key, len);
	ks->key = (const char *)&ks->slot[m->npos];
	ks->len = len;
	*slot = ks;
	return ks;
}

/* Drops the state of a key once no sequence refers to it. */
static void key_state_trim(struct seq_matcher *m, struct key_state *ks)
{
	if (ks->open > 0)
		return;
	strmap_remove(&m->keys, ks->key, ks->len);
	free(ks);
}

static void age_link(struct seq_matcher *m, struct pending *p)
{
	p->prev = m->newest;
	p->next = NULL;
	if (m->newest != NULL)
		m->newest->next = p;
	else
		m->oldest = p;
	m->newest = p;
	m->npartial++;
}

static void age_unlink(struct seq_matcher *m, struct pending *p)
{
	if (p->prev != NULL)
		p->prev->next = p->next;
	else
		m->oldest = p->next;
	if (p->next != NULL)
		p->next->prev = p->prev;
	else
		m->newest = p->prev;
	p->prev = p->next = NULL;
	m->npartial--;
}

/* Frees partial sequence `p` and counts why. */
static void drop_partial(struct seq_matcher *m, struct pending *p, uint64_t *counter)
{
	struct key_state *ks = p->ks;

	ks->slot[p->slot] = NULL;
	age_unlink(m, p);
	ks->open--;
	m->stats.pending--;
	(*counter)++;
	pending_free(p);
	key_state_trim(m, ks);
}

/* Puts partial sequence `p` at positive stage `slot`, replacing the older one there. */
static void slot_put(struct seq_matcher *m, struct key_state *ks, unsigned slot,
		     struct pending *p)
{
	if (ks->slot[slot] != NULL) {
		struct pending *old = ks->slot[slot];

		ks->open++; /* keeps `ks` alive while the old one goes */
		drop_partial(m, old, &m->stats.replaced);
		ks->open--;
	}
	ks->slot[slot] = p;
	p->slot = slot;
}

/* Drops the partial sequences that maxspan has closed, oldest first. */
static void expire_partials(struct seq_matcher *m, int64_t now)
{
	if (m->maxspan <= 0)
		return;
	while (m->oldest != NULL && now - m->oldest->start > m->maxspan)
		drop_partial(m, m->oldest, &m->stats.expired);
}

/* ---- records of missing events ---- */

static void record_unlink(struct seq_matcher *m, struct record *r)
{
	if (r->older != NULL)
		r->older->newer = r->newer;
	else
		m->rec_oldest = r->newer;
	if (r->newer != NULL)
		r->newer->older = r->older;
	else
		m->rec_newest = r->older;
	r->older = r->newer = NULL;
}

static void record_link(struct seq_matcher *m, struct record *r)
{
	r->older = m->rec_newest;
	if (m->rec_newest != NULL)
		m->rec_newest->newer = r;
	else
		m->rec_oldest = r;
	m->rec_newest = r;
}

static void record_drop(struct seq_matcher *m, struct record *r)
{
	record_unlink(m, r);
	strmap_remove(&m->records[r->clause], r->key, r->len);
	m->nrecords--;
	free(r);
}

/* Records last longer than maxspan are of no use to any open sequence. */
static void expire_records(struct seq_matcher *m, int64_t now)
{
	while (m->rec_oldest != NULL && now - m->rec_oldest->last > m->maxspan)
		record_drop(m, m->rec_oldest);
}

static void record_note(struct seq_matcher *m, unsigned clause, const char *key,
			size_t len, int64_t ts)
{
	struct record *r = strmap_get(&m->records[clause], key, len);

	if (r == NULL) {
		if (m->nrecords >= m->opts.max_pending && m->rec_oldest != NULL) {
			record_drop(m, m->rec_oldest);
			m->stats.forgotten++;
		}
		r = xcalloc(1, sizeof(*r) + len + 1);
		memcpy((char *)(r + 1), key, len);
		r->key = (const char *)(r + 1);
		r->len = len;
		r->clause = clause;
		r->last = ts;
		r->prev = NO_TIME;
		*strmap_upsert(&m->records[clause], key, len) = r;
		m->nrecords++;
		record_link(m, r);
		return;
	}
	if (ts > r->last) {
		r->prev = r->last;
		r->last = ts;
	}
	record_unlink(m, r);
	record_link(m, r);
}

/*
 * The latest missing event of `clause` and `key` strictly before `ts`. Every
 * candidate older than `ts` has been fed, so the two latest suffice.
 */
static int64_t record_before(const struct seq_matcher *m, unsigned clause,
			     const char *key, size_t len, int64_t ts)
{
	const struct record *r = strmap_get(&m->records[clause], key, len);

	if (r == NULL)
		return NO_TIME;
	return r->last < ts ? r->last : r->prev;
}

/* Elasticsearch looks for the latest leading missing event before the first positive one. */
static int64_t leading_time(const struct seq_matcher *m, const char *key, size_t len,
			    int64_t start)
{
	int64_t lead = NO_TIME;

	for (size_t s = 0; s < m->positive[0]; s++) {
		int64_t t = record_before(m, m->stages[s].clause, key, len, start);

		if (t > lead)
			lead = t;
	}
	return lead;
}

/* True when a middle missing event lies strictly between positive stages j-1 and j. */
static bool missing_between(const struct seq_matcher *m, size_t j, const char *key,
			    size_t len, int64_t after, int64_t before)
{
	for (size_t s = m->positive[j - 1] + 1; s < m->positive[j]; s++) {
		if (record_before(m, m->stages[s].clause, key, len, before) > after)
			return true;
	}
	return false;
}

/* ---- completed sequences: verdicts and the output queue ---- */

static void emit_sequence(struct seq_matcher *m, const struct pending *p,
			  const char *key, size_t len)
{
	size_t k = 0;

	for (size_t s = 0; s < m->nstages; s++)
		m->out[s] = m->stages[s].missing ? NULL : p->events[k++];
	m->stats.completed++;
	m->emit(m->arg, key, len, m->out, m->nstages);
}

/* Counts or emits a decided sequence, then frees it. */
static void conclude(struct seq_matcher *m, struct pending *p)
{
	struct key_state *ks = p->ks;

	switch (p->verdict) {
	case VERDICT_ACCEPT:
		m->stats.open_at_end += p->open_at_end;
		emit_sequence(m, p, ks->key, ks->len);
		break;
	case VERDICT_REJECT: m->stats.ruled_out++; break;
	case VERDICT_UNDECIDED: m->stats.undecided++; break;
	case VERDICT_EVICTED: m->stats.evicted++; break;
	case VERDICT_PENDING: break;
	}
	ks->open--;
	m->stats.pending--;
	pending_free(p);
	key_state_trim(m, ks);
}

static void waiting_unlink(struct pending *p)
{
	if (p->prev != NULL)
		p->prev->next = p->next;
	else
		p->ks->waiting = p->next;
	if (p->next != NULL)
		p->next->prev = p->prev;
	p->prev = p->next = NULL;
}

static void decide(struct pending *p, enum verdict v)
{
	if (p->verdict == VERDICT_PENDING)
		waiting_unlink(p);
	p->verdict = v;
}

/*
 * Emits the decided sequences at the front of the queue, so that results
 * keep the order of their last positive event. With `have_time`, every
 * candidate older than `now` has been fed: a waiting sequence whose
 * deadline is earlier saw no trailing missing event, and is accepted.
 */
static void pump(struct seq_matcher *m, int64_t now, bool have_time)
{
	while (m->queue_head != NULL) {
		struct pending *p = m->queue_head;

		if (p->verdict == VERDICT_PENDING) {
			if (!have_time || p->deadline >= now)
				return;
			decide(p, VERDICT_ACCEPT);
		}
		m->queue_head = p->queued;
		if (m->queue_head == NULL)
			m->queue_tail = NULL;
		m->nqueued--;
		conclude(m, p);
	}
}

static void enqueue(struct seq_matcher *m, struct pending *p)
{
	p->queued = NULL;
	if (m->queue_tail != NULL)
		m->queue_tail->queued = p;
	else
		m->queue_head = p;
	m->queue_tail = p;
	m->nqueued++;
}

/* Leading missing stages only (Elasticsearch: last positive - L > maxspan). */
static enum verdict leading_verdict(const struct seq_matcher *m, const struct pending *p)
{
	if (!m->has_lead)
		return VERDICT_ACCEPT;
	if (p->lead != NO_TIME)
		return p->last - p->lead > m->maxspan ? VERDICT_ACCEPT : VERDICT_REJECT;
	/* An event before --from could still rule it out. */
	if (m->opts.has_from && p->last - m->opts.from_ms < m->maxspan)
		return VERDICT_UNDECIDED;
	return VERDICT_ACCEPT;
}

/*
 * Trailing missing stages: sets the deadline after which a trailing event
 * no longer rules the sequence out (T - first > maxspan without leading
 * stages, T - L > maxspan with them), or decides at once.
 */
static enum verdict trailing_setup(const struct seq_matcher *m, struct pending *p)
{
	if (m->has_lead && p->lead == NO_TIME) {
		/* Elasticsearch: no leading event at all, nothing can rule it out. */
		if (!m->opts.has_from)
			return VERDICT_ACCEPT;
		p->lead_unseen = true;
		p->deadline = m->opts.from_ms + m->maxspan;
	} else {
		p->deadline = (m->has_lead ? p->lead : p->start) + m->maxspan;
	}
	return p->deadline <= p->last ? VERDICT_ACCEPT : VERDICT_PENDING;
}

static enum verdict trailing_verdict(const struct pending *p, int64_t t)
{
	if (p->lead_unseen)
		return t >= p->deadline ? VERDICT_ACCEPT : VERDICT_UNDECIDED;
	return t > p->deadline ? VERDICT_ACCEPT : VERDICT_REJECT;
}

/* Room for one more sequence: evicts the oldest partial one, else the oldest waiting one. */
static void make_room(struct seq_matcher *m)
{
	while (m->stats.pending >= m->opts.max_pending) {
		if (m->oldest != NULL) {
			drop_partial(m, m->oldest, &m->stats.evicted);
			continue;
		}
		/* A trailing event of this feed may have decided the front already. */
		pump(m, 0, false);
		if (m->stats.pending < m->opts.max_pending || m->queue_head == NULL)
			return;
		decide(m->queue_head, VERDICT_EVICTED);
		pump(m, 0, false);
	}
}

/*
 * All positive stages of `p` are matched; `p` is counted in its key's
 * state. Decides it, or queues it behind undecided ones.
 */
static void settle(struct seq_matcher *m, struct pending *p)
{
	if (p->ruled_out)
		p->verdict = VERDICT_REJECT;
	else if (m->has_trail)
		p->verdict = trailing_setup(m, p);
	else
		p->verdict = leading_verdict(m, p);

	if (p->verdict != VERDICT_PENDING && m->queue_head == NULL) {
		conclude(m, p);
		return;
	}
	if (p->verdict == VERDICT_PENDING) {
		p->prev = NULL;
		p->next = p->ks->waiting;
		if (p->next != NULL)
			p->next->prev = p;
		p->ks->waiting = p;
	}
	enqueue(m, p);
}

/* ---- matching ---- */

static struct pending *pending_new(const struct seq_matcher *m, struct candidate *c)
{
	struct pending *p = xcalloc(1, sizeof(*p));

	p->events = xcalloc(m->npos, sizeof(*p->events));
	p->events[0] = candidate_ref(c);
	p->nevents = 1;
	p->start = p->last = c->timestamp;
	p->lead = NO_TIME;
	return p;
}

static void start_sequence(struct seq_matcher *m, const char *key, size_t len,
			   struct candidate *c)
{
	struct pending *p;
	struct key_state *ks;

	if (m->npos == 1 && !m->has_lead && !m->has_trail) {
		struct pending one = { .events = &c, .nevents = 1 };

		emit_sequence(m, &one, key, len);
		return;
	}

	make_room(m);
	p = pending_new(m, c);
	if (m->has_lead)
		p->lead = leading_time(m, key, len, c->timestamp);
	ks = key_state_get(m, key, len, true);
	p->ks = ks;
	ks->open++;
	m->stats.pending++;
	if (m->npos == 1) {
		settle(m, p);
		return;
	}
	slot_put(m, ks, 0, p);
	age_link(m, p);
}

/* Moves the sequence waiting at positive stage j-1 to stage j with event `c`. */
static void extend_sequence(struct seq_matcher *m, const char *key, size_t len,
			    unsigned j, struct candidate *c)
{
	struct key_state *ks = key_state_get(m, key, len, false);
	struct pending *p;

	if (ks == NULL || ks->slot[j - 1] == NULL)
		return;
	p = ks->slot[j - 1];
	if (m->maxspan > 0 && c->timestamp - p->start > m->maxspan) {
		drop_partial(m, p, &m->stats.expired);
		return;
	}

	ks->slot[j - 1] = NULL;
	if (missing_between(m, j, key, len, p->last, c->timestamp))
		p->ruled_out = true;
	p->events[p->nevents++] = candidate_ref(c);
	p->last = c->timestamp;
	if (j + 1 < m->npos) {
		slot_put(m, ks, j, p);
		return;
	}
	age_unlink(m, p);
	settle(m, p);
}

static void until_key(struct seq_matcher *m, const char *key, size_t len)
{
	struct key_state *ks = key_state_get(m, key, len, false);

	if (ks == NULL)
		return;
	ks->open++; /* keeps `ks` alive through the loop */
	for (unsigned j = 0; j < m->npos; j++) {
		uint64_t dropped = 0;

		if (ks->slot[j] != NULL)
			drop_partial(m, ks->slot[j], &dropped);
	}
	ks->open--;
	key_state_trim(m, ks);
}

/* A trailing missing event at `t` decides the waiting sequences of its key. */
static void trailing_event(struct seq_matcher *m, const char *key, size_t len, int64_t t)
{
	struct key_state *ks = key_state_get(m, key, len, false);
	struct pending *p, *next;

	if (ks == NULL)
		return;
	for (p = ks->waiting; p != NULL; p = next) {
		next = p->next;
		if (p->last < t)
			decide(p, trailing_verdict(p, t));
	}
}

static void feed_positive(struct seq_matcher *m, struct candidate *c,
			  const struct candidate_hit *const *hits, size_t nhits)
{
	for (size_t s = m->npos; s-- > 0;) {
		for (size_t i = 0; i < nhits; i++) {
			unsigned clause = hits[i]->clause;

			if (clause >= m->nclauses || m->role[clause] != ROLE_POSITIVE)
				continue;
			if (s < m->first_pos[clause] || s >= m->first_pos[clause] + m->runs[clause])
				continue;
			for (size_t k = 0; k < hits[i]->nkeys; k++) {
				if (s == 0)
					start_sequence(m, hits[i]->keys[k], hits[i]->key_lens[k], c);
				else
					extend_sequence(m, hits[i]->keys[k], hits[i]->key_lens[k],
							(unsigned)s, c);
			}
		}
	}
}

void seq_feed(struct seq_matcher *m, struct candidate *c,
	      const struct candidate_hit *const *hits, size_t nhits)
{
	int64_t now = c->timestamp;

	seq_advance(m, now);
	for (size_t i = 0; i < nhits; i++) {
		unsigned clause = hits[i]->clause;

		if (clause < m->nclauses && m->role[clause] == ROLE_TRAILING) {
			for (size_t k = 0; k < hits[i]->nkeys; k++)
				trailing_event(m, hits[i]->keys[k], hits[i]->key_lens[k], now);
		}
	}

	feed_positive(m, c, hits, nhits);

	/*
	 * Missing events are noted after the stages, and "until" comes last:
	 * an event that both completes a sequence and passes the until clause
	 * still completes it, as in Elasticsearch's
	 * sequenceWithOptionalFieldsAndUntil_1 case.
	 */
	for (size_t i = 0; i < nhits; i++) {
		unsigned clause = hits[i]->clause;

		for (size_t k = 0; k < hits[i]->nkeys; k++) {
			if (clause == CANDIDATE_UNTIL)
				until_key(m, hits[i]->keys[k], hits[i]->key_lens[k]);
			else if (clause < m->nclauses && (m->role[clause] == ROLE_LEADING ||
							  m->role[clause] == ROLE_MIDDLE))
				record_note(m, clause, hits[i]->keys[k], hits[i]->key_lens[k], now);
		}
	}
	pump(m, now, true);
}

void seq_advance(struct seq_matcher *m, int64_t ms)
{
	expire_partials(m, ms);
	pump(m, ms, true);
	if (m->nrecords > 0)
		expire_records(m, ms);
}

void seq_finish(struct seq_matcher *m, bool input_complete)
{
	for (struct pending *p = m->queue_head; p != NULL; p = p->queued) {
		if (p->verdict != VERDICT_PENDING)
			continue;
		if (input_complete && (!m->opts.has_to || m->opts.to_ms >= p->deadline)) {
			p->open_at_end = !m->opts.has_to;
			decide(p, VERDICT_ACCEPT);
		} else {
			decide(p, VERDICT_UNDECIDED);
		}
	}
	pump(m, 0, false);
}

/* ---- teardown and queries ---- */

static void key_state_free(const char *key, size_t len, void *value, void *arg)
{
	(void)key;
	(void)len;
	(void)arg;
	free(value);
}

void seq_free(struct seq_matcher *m)
{
	if (m == NULL)
		return;
	while (m->oldest != NULL) {
		struct pending *p = m->oldest;

		age_unlink(m, p);
		pending_free(p);
	}
	while (m->queue_head != NULL) {
		struct pending *p = m->queue_head;

		m->queue_head = p->queued;
		pending_free(p);
	}
	while (m->rec_oldest != NULL)
		record_drop(m, m->rec_oldest);
	for (size_t i = 0; i < m->nclauses; i++)
		strmap_free(&m->records[i]);
	strmap_each(&m->keys, key_state_free, NULL);
	strmap_free(&m->keys);
	free(m->records);
	free(m->stages);
	free(m->positive);
	free(m->out);
	free(m->role);
	free(m->first_pos);
	free(m->runs);
	free(m);
}

const struct seq_stats *seq_stats(const struct seq_matcher *m)
{
	return &m->stats;
}

size_t seq_stage_count(const struct seq_matcher *m)
{
	return m->nstages;
}
