#include "clause_index.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../util/xalloc.h"
#include "eval.h"
#include "litdict.h"
#include "plan.h"

/*
 * Category words and category fields that get a bit. Elastic's rule corpus
 * uses fewer than 20 words and one field (two with an
 * event_category_override). A clause beyond these caps is not tested on
 * its category, which only costs the evaluation of its condition.
 */
#define CI_MAX_WORDS 63
#define CI_MAX_SLOTS 16

/*
 * Clauses below which the index does not scan lines for needles, because
 * scanning a line costs about as much as evaluating a few clauses in full.
 * With the bundled rule alone and --no-prefilter, the scan made a 64 MB
 * run take 40% more CPU time (0.14 s to 0.20 s, one run each).
 */
#define CI_MIN_SCAN_CLAUSES 16

/* The needle tag of clauses without a category bit. The words take tags 0 to 62. */
#define TAG_ALWAYS (1ull << CI_MAX_WORDS)

/*
 * Gates, nodes and groups are counted in 32 bits: a run takes at most
 * 10,000 rules (rule.h) of at most 1 MB of query each (parse_limits.h),
 * far fewer than 2^32 nodes.
 */
#define NO_NODE UINT32_MAX

/*
 * A node of a clause's condition as filter() walks it, with its groups:
 * the condition in one array, so that the walk reads few cache lines of
 * the syntax tree, and skips a node whose needles are absent.
 */
enum node_kind {
	NODE_AND,
	NODE_OR,
	NODE_NOT,
	NODE_LEAF,
};

struct node {
	enum node_kind kind;
	uint32_t first;      /* its groups: gate_groups[first .. first + ngroups), rarest first */
	uint32_t ngroups;
	uint32_t left, right; /* operands: both for and/or, left for not */
	const struct eql_expr *expr; /* the leaf */
};

/* The tests of one clause. */
struct gate {
	uint32_t query;
	uint32_t clause;     /* the query's nclauses for its until */
	uint32_t first;      /* the groups of its condition, as its root node's */
	uint32_t ngroups;
	uint32_t root;       /* its condition's node; NO_NODE without a condition */
	int category;        /* its word's bit in the mask of category field `slot`; -1: no test */
	unsigned slot;
	int category_slot;   /* the field, for a category without a bit */
	const struct eql_clause *src;
};

struct clause_index {
	bool off;            /* every clause is evaluated, for comparison (detect --no-prefilter) */
	struct gate *gates;  /* in the order of clause_index_add(): by query, then clause */
	size_t ngates, gates_cap;
	size_t *query_first; /* the first gate of each query */
	size_t nqueries, queries_cap;
	uint32_t *gate_groups;
	size_t ngate_groups, gate_groups_cap;

	/* Groups as sorted lists of needle ids: group_needles[group_first[g] .. group_first[g + 1]). */
	uint32_t *group_first;
	size_t ngroups, group_first_cap;
	uint32_t *group_needles;
	size_t ngroup_needles, group_needles_cap;
	uint32_t *group_by_hash; /* while adding: group ids by needle-list hash; UINT32_MAX empty */
	size_t group_hash_cap;
	uint32_t *fold_groups;   /* groups with a case-insensitive needle */
	size_t nfold_groups, fold_groups_cap;
	struct litdict *dict;

	struct node *nodes;
	size_t nnodes, nodes_cap;
	/* While adding a condition: the operands not yet taken by their node. */
	uint32_t *stack;
	size_t nstack, stack_cap;
	size_t node_groups;  /* where the groups of the next node start in gate_groups */

	/*
	 * Built by clause_index_seal(): the groups of each needle
	 * (needle_groups[needle_first[i] .. needle_first[i + 1])), the gates
	 * whose rarest group is g (keyed[keyed_first[g] .. keyed_first[g + 1])),
	 * and the gates without a group.
	 */
	uint32_t *needle_first, *needle_groups;
	uint32_t *keyed_first, *keyed;
	uint32_t *open;
	size_t nopen;

	struct eql_string words[CI_MAX_WORDS]; /* copies */
	size_t nwords;
	int slots[CI_MAX_SLOTS];
	size_t nslots;
};

struct clause_marks {
	const struct clause_index *idx;
	uint32_t epoch;          /* a needle or group is marked when its entry equals it */
	uint32_t *needle_seen;
	uint32_t *group_seen;
	uint32_t *marked;        /* the groups marked for this event, each once */
	size_t nmarked;
	bool all;                /* a \u escape: every group is marked */
	uint64_t categories[CI_MAX_SLOTS];
	uint64_t *pass;          /* a bit per gate: the clauses the event may pass */
};

struct clause_index *clause_index_new(bool off)
{
	struct clause_index *idx = xcalloc(1, sizeof(*idx));

	idx->off = off;
	return idx;
}

/* ---- categories ---- */

/* Returns the bit of a category word, added when new, or -1 past CI_MAX_WORDS. */
static int word_bit(struct clause_index *idx, const struct eql_string *w)
{
	for (size_t i = 0; i < idx->nwords; i++)
		if (idx->words[i].len == w->len && memcmp(idx->words[i].ptr, w->ptr, w->len) == 0)
			return (int)i;
	if (idx->nwords == CI_MAX_WORDS)
		return -1;
	idx->words[idx->nwords].ptr = xstrndup(w->ptr, w->len);
	idx->words[idx->nwords].len = w->len;
	return (int)idx->nwords++;
}

/* Returns the index of a category field among those with a mask, or -1 past CI_MAX_SLOTS. */
static int slot_index(struct clause_index *idx, int slot)
{
	for (size_t i = 0; i < idx->nslots; i++)
		if (idx->slots[i] == slot)
			return (int)i;
	if (idx->nslots == CI_MAX_SLOTS)
		return -1;
	idx->slots[idx->nslots] = slot;
	return (int)idx->nslots++;
}

static void set_category(struct clause_index *idx, struct gate *g, const struct eql_clause *c,
			 int category_slot)
{
	int bit, slot;

	g->category = -1;
	if (c->category.ptr == NULL)
		return;
	slot = slot_index(idx, category_slot);
	bit = slot < 0 ? -1 : word_bit(idx, &c->category);
	if (bit < 0)
		return;
	g->category = bit;
	g->slot = (unsigned)slot;
}

/* ---- needle groups ---- */

static uint64_t list_hash(const uint32_t *ids, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ ids[i]) * 0x100000001b3ull;
	return h;
}

static bool group_equals(const struct clause_index *idx, uint32_t g, const uint32_t *ids, size_t n)
{
	size_t first = idx->group_first[g], len = idx->group_first[g + 1] - first;

	return len == n && memcmp(idx->group_needles + first, ids, n * sizeof(*ids)) == 0;
}

static void grow_group_table(struct clause_index *idx)
{
	size_t cap = idx->group_hash_cap ? idx->group_hash_cap * 2 : 256;

	free(idx->group_by_hash);
	idx->group_by_hash = xmalloc(cap * sizeof(*idx->group_by_hash));
	memset(idx->group_by_hash, 0xff, cap * sizeof(*idx->group_by_hash));
	idx->group_hash_cap = cap;
	for (uint32_t g = 0; g < idx->ngroups; g++) {
		size_t first = idx->group_first[g];
		size_t i = list_hash(idx->group_needles + first, idx->group_first[g + 1] - first);

		for (i &= cap - 1; idx->group_by_hash[i] != UINT32_MAX; i = (i + 1) & (cap - 1))
			;
		idx->group_by_hash[i] = g;
	}
}

/* Appends a new group of the sorted needle ids `ids` and returns its id. */
static uint32_t append_group(struct clause_index *idx, const uint32_t *ids, size_t n, bool fold)
{
	uint32_t g = (uint32_t)idx->ngroups;

	idx->group_needles = xgrow(idx->group_needles, &idx->group_needles_cap,
				   idx->ngroup_needles + n, sizeof(*idx->group_needles));
	memcpy(idx->group_needles + idx->ngroup_needles, ids, n * sizeof(*ids));
	idx->ngroup_needles += n;
	idx->group_first = xgrow(idx->group_first, &idx->group_first_cap, idx->ngroups + 2,
				 sizeof(*idx->group_first));
	idx->group_first[g + 1] = (uint32_t)idx->ngroup_needles;
	idx->ngroups++;
	if (fold) {
		idx->fold_groups = xgrow(idx->fold_groups, &idx->fold_groups_cap,
					 idx->nfold_groups + 1, sizeof(*idx->fold_groups));
		idx->fold_groups[idx->nfold_groups++] = g;
	}
	return g;
}

/* The id of the group of the sorted needle ids `ids`, shared by every clause that needs it. */
static uint32_t intern_group(struct clause_index *idx, const uint32_t *ids, size_t n, bool fold)
{
	size_t i;

	if (idx->group_first == NULL) {
		idx->group_first = xgrow(NULL, &idx->group_first_cap, 2, sizeof(*idx->group_first));
		idx->group_first[0] = 0;
	}
	if (2 * (idx->ngroups + 1) > idx->group_hash_cap)
		grow_group_table(idx);
	for (i = list_hash(ids, n) & (idx->group_hash_cap - 1); idx->group_by_hash[i] != UINT32_MAX;
	     i = (i + 1) & (idx->group_hash_cap - 1))
		if (group_equals(idx, idx->group_by_hash[i], ids, n))
			return idx->group_by_hash[i];
	idx->group_by_hash[i] = append_group(idx, ids, n, fold);
	return idx->group_by_hash[i];
}

static int id_cmp(const void *x, const void *y)
{
	uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;

	return a < b ? -1 : a > b;
}

/*
 * The tag of the needles of the clause being added (the last gate): the
 * bit of its category word when the first category field tests it, else
 * TAG_ALWAYS. An event whose categories on that field meet none of a
 * needle's tags fails every clause that needs the needle, so the scan
 * skips it (clause_index_mark()).
 */
static uint64_t needle_tags(const struct clause_index *idx)
{
	const struct gate *g = &idx->gates[idx->ngates - 1];

	if (g->category < 0 || g->slot != 0)
		return TAG_ALWAYS;
	return 1ull << g->category;
}

/* plan_group_fn: adds one group of the node being added. */
static void add_group(void *arg, const struct plan_needle *needles, size_t n)
{
	struct clause_index *idx = arg;
	uint32_t *ids = xcalloc(n + 1, sizeof(*ids));
	size_t kept = 0;
	bool fold = false;

	for (size_t i = 0; i < n; i++) {
		ids[i] = litdict_add(idx->dict, needles[i].s, needles[i].n, needles[i].insensitive,
				     needle_tags(idx));
		/* The dictionary is full: dropping the group only weakens the test. */
		if (ids[i] == LITDICT_FULL) {
			free(ids);
			return;
		}
		fold |= needles[i].insensitive;
	}
	qsort(ids, n, sizeof(*ids), id_cmp);
	for (size_t i = 0; i < n; i++)
		if (kept == 0 || ids[kept - 1] != ids[i])
			ids[kept++] = ids[i];

	idx->gate_groups = xgrow(idx->gate_groups, &idx->gate_groups_cap, idx->ngate_groups + 1,
				 sizeof(*idx->gate_groups));
	idx->gate_groups[idx->ngate_groups++] = intern_group(idx, ids, kept, fold);
	free(ids);
}

static uint32_t pop_node(struct clause_index *idx)
{
	return idx->nstack > 0 ? idx->stack[--idx->nstack] : NO_NODE;
}

/* plan_node_fn: a node, after its groups and its operands' nodes. */
static void add_node(void *arg, const struct eql_expr *e)
{
	struct clause_index *idx = arg;
	struct node *nd;

	idx->nodes = xgrow(idx->nodes, &idx->nodes_cap, idx->nnodes + 1, sizeof(*idx->nodes));
	nd = &idx->nodes[idx->nnodes];
	memset(nd, 0, sizeof(*nd));
	nd->first = (uint32_t)idx->node_groups;
	nd->ngroups = (uint32_t)(idx->ngate_groups - idx->node_groups);
	idx->node_groups = idx->ngate_groups;
	nd->left = nd->right = NO_NODE;
	if (e->kind == EQL_EXPR_AND || e->kind == EQL_EXPR_OR) {
		nd->kind = e->kind == EQL_EXPR_AND ? NODE_AND : NODE_OR;
		nd->right = pop_node(idx);
		nd->left = pop_node(idx);
	} else if (e->kind == EQL_EXPR_NOT) {
		nd->kind = NODE_NOT;
		nd->left = pop_node(idx);
	} else {
		nd->kind = NODE_LEAF;
		nd->expr = e;
	}
	idx->stack = xgrow(idx->stack, &idx->stack_cap, idx->nstack + 1, sizeof(*idx->stack));
	idx->stack[idx->nstack++] = (uint32_t)idx->nnodes++;
}

static void add_clause(struct clause_index *idx, const struct eql_clause *c, size_t clause,
		       int category_slot)
{
	struct gate *g;

	idx->gates = xgrow(idx->gates, &idx->gates_cap, idx->ngates + 1, sizeof(*idx->gates));
	g = &idx->gates[idx->ngates++];
	memset(g, 0, sizeof(*g));
	g->query = (uint32_t)(idx->nqueries - 1);
	g->clause = (uint32_t)clause;
	g->src = c;
	g->category_slot = category_slot;
	g->root = NO_NODE;
	g->category = -1;
	if (idx->off)
		return;
	set_category(idx, g, c, category_slot);
	if (c->where == NULL)
		return;

	idx->nstack = 0;
	idx->node_groups = idx->ngate_groups;
	plan_condition_groups(c->where, add_group, add_node, idx);
	g->root = pop_node(idx);
	g->first = idx->nodes[g->root].first;
	g->ngroups = idx->nodes[g->root].ngroups;
}

void clause_index_add(struct clause_index *idx, const struct eql_query *query, int category_slot)
{
	if (idx->dict == NULL)
		idx->dict = litdict_new();
	idx->query_first = xgrow(idx->query_first, &idx->queries_cap, idx->nqueries + 1,
				 sizeof(*idx->query_first));
	idx->query_first[idx->nqueries++] = idx->ngates;
	for (size_t i = 0; i < query->nclauses; i++)
		add_clause(idx, &query->clauses[i], i, category_slot);
	if (query->until != NULL)
		add_clause(idx, query->until, query->nclauses, category_slot);
}

/*
 * Fills a compressed list of `nkeys` keys: for each item i of `nitems`,
 * key_of(i) gives its key (UINT32_MAX for none) and value_of(i) the value
 * to file there. Returns the list and sets *first to its nkeys + 1 offsets.
 */
static uint32_t *build_lists(size_t nkeys, size_t nitems, uint32_t (*key_of)(const void *, size_t),
			     uint32_t (*value_of)(const void *, size_t), const void *ctx,
			     uint32_t **first)
{
	uint32_t *offsets = xcalloc(nkeys + 2, sizeof(*offsets));
	uint32_t *items = xcalloc(nitems + 1, sizeof(*items));

	for (size_t i = 0; i < nitems; i++)
		if (key_of(ctx, i) != UINT32_MAX)
			offsets[key_of(ctx, i) + 2]++;
	for (size_t k = 0; k < nkeys; k++)
		offsets[k + 2] += offsets[k + 1];
	for (size_t i = 0; i < nitems; i++)
		if (key_of(ctx, i) != UINT32_MAX)
			items[offsets[key_of(ctx, i) + 1]++] = value_of(ctx, i);
	*first = offsets;
	return items;
}

/* Item k of the groups' needle lists belongs to needle group_needles[k] and names its group. */
static uint32_t needle_of_item(const void *ctx, size_t k)
{
	return ((const struct clause_index *)ctx)->group_needles[k];
}

static uint32_t group_of_item(const void *ctx, size_t k)
{
	const struct clause_index *idx = ctx;
	size_t lo = 0, hi = idx->ngroups;

	/* The group whose range contains k: the last g with group_first[g] <= k. */
	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;

		if (idx->group_first[mid] <= k)
			lo = mid;
		else
			hi = mid;
	}
	return (uint32_t)lo;
}

/* Gate i is keyed on its rarest group. A gate without a group is on no list. */
static uint32_t key_group_of(const void *ctx, size_t i)
{
	const struct clause_index *idx = ctx;
	const struct gate *g = &idx->gates[i];

	return g->ngroups > 0 ? idx->gate_groups[g->first] : UINT32_MAX;
}

static uint32_t gate_id(const void *ctx, size_t i)
{
	(void)ctx;
	return (uint32_t)i;
}

void clause_index_seal(struct clause_index *idx)
{
	if (idx->dict == NULL)
		idx->dict = litdict_new();
	litdict_seal(idx->dict);
	idx->needle_groups = build_lists(litdict_count(idx->dict), idx->ngroup_needles,
					 needle_of_item, group_of_item, idx, &idx->needle_first);
	idx->keyed = build_lists(idx->ngroups, idx->ngates, key_group_of, gate_id, idx,
				 &idx->keyed_first);

	idx->open = xcalloc(idx->ngates + 1, sizeof(*idx->open));
	for (size_t i = 0; i < idx->ngates; i++)
		if (idx->gates[i].ngroups == 0)
			idx->open[idx->nopen++] = (uint32_t)i;
	free(idx->group_by_hash);
	idx->group_by_hash = NULL;
	idx->group_hash_cap = 0;
}

/* ---- marking an event ---- */

static size_t pass_words(const struct clause_index *idx)
{
	return (idx->ngates + 63) / 64;
}

struct clause_marks *clause_marks_new(const struct clause_index *idx)
{
	struct clause_marks *m = xcalloc(1, sizeof(*m));

	m->idx = idx;
	m->needle_seen = xcalloc(litdict_count(idx->dict) + 1, sizeof(*m->needle_seen));
	m->group_seen = xcalloc(idx->ngroups + 1, sizeof(*m->group_seen));
	m->marked = xcalloc(idx->ngroups + 1, sizeof(*m->marked));
	m->pass = xcalloc(pass_words(idx) + 1, sizeof(*m->pass));
	return m;
}

void clause_marks_free(struct clause_marks *m)
{
	if (m == NULL)
		return;
	free(m->needle_seen);
	free(m->group_seen);
	free(m->marked);
	free(m->pass);
	free(m);
}

/* A new event: every mark of the last one becomes stale at once. */
static void next_epoch(struct clause_marks *m)
{
	m->nmarked = 0;
	m->all = false;
	memset(m->pass, 0, pass_words(m->idx) * sizeof(*m->pass));
	if (++m->epoch != 0)
		return;
	memset(m->needle_seen, 0, (litdict_count(m->idx->dict) + 1) * sizeof(*m->needle_seen));
	memset(m->group_seen, 0, (m->idx->ngroups + 1) * sizeof(*m->group_seen));
	m->epoch = 1;
}

/* The category words among the string values of one category field. */
static uint64_t category_mask(const struct clause_index *idx, int slot,
			      const struct event_fields *ev)
{
	uint64_t mask = 0;

	if (slot < 0 || (size_t)slot >= ev->nspans)
		return 0;
	for (unsigned i = 0; i < event_fields_count(ev, slot); i++) {
		const struct value *v = event_fields_get(ev, slot, i);

		if (v->kind != VALUE_STRING)
			continue;
		for (size_t w = 0; w < idx->nwords; w++)
			if (idx->words[w].len == v->u.string.len &&
			    memcmp(idx->words[w].ptr, v->u.string.ptr, v->u.string.len) == 0)
				mask |= 1ull << w;
	}
	return mask;
}

static void mark_group(struct clause_marks *m, uint32_t g)
{
	if (m->group_seen[g] == m->epoch)
		return;
	m->group_seen[g] = m->epoch;
	m->marked[m->nmarked++] = g;
}

/* litdict_hit_fn: marks the groups of a needle found in the text. */
static void mark_needle(void *arg, uint32_t id)
{
	struct clause_marks *m = arg;
	const struct clause_index *idx = m->idx;

	if (m->needle_seen[id] == m->epoch)
		return;
	m->needle_seen[id] = m->epoch;
	for (uint32_t k = idx->needle_first[id]; k < idx->needle_first[id + 1]; k++)
		mark_group(m, idx->needle_groups[k]);
}

/* Whether every group of gate_groups[first .. first + n) has a needle in the event. */
static bool groups_marked(const struct clause_index *idx, const struct clause_marks *m,
			  uint32_t first, uint32_t n)
{
	if (m->all)
		return true;
	for (uint32_t k = 0; k < n; k++)
		if (m->group_seen[idx->gate_groups[first + k]] != m->epoch)
			return false;
	return true;
}

/* The test of one gate, once the event is marked. */
static bool gate_passes(const struct clause_index *idx, const struct clause_marks *m, size_t id)
{
	const struct gate *g = &idx->gates[id];

	if (g->category >= 0 && !((m->categories[g->slot] >> g->category) & 1))
		return false;
	return groups_marked(idx, m, g->first, g->ngroups);
}

static void test_gate(const struct clause_index *idx, struct clause_marks *m, size_t id)
{
	if (gate_passes(idx, m, id))
		m->pass[id / 64] |= 1ull << (id % 64);
}

/*
 * Sets the pass bits. A gate whose rarest group is unmarked fails, so only
 * the gates keyed on a marked group, and those without a group, are
 * tested. After an escape, all are.
 */
static void select_gates(const struct clause_index *idx, struct clause_marks *m)
{
	if (m->all) {
		for (size_t id = 0; id < idx->ngates; id++)
			test_gate(idx, m, id);
		return;
	}
	for (size_t i = 0; i < idx->nopen; i++)
		test_gate(idx, m, idx->open[i]);
	for (size_t i = 0; i < m->nmarked; i++) {
		uint32_t g = m->marked[i];

		for (uint32_t k = idx->keyed_first[g]; k < idx->keyed_first[g + 1]; k++)
			test_gate(idx, m, idx->keyed[k]);
	}
}

void clause_index_mark(const struct clause_index *idx, struct clause_marks *m, const char *text,
		       size_t len, const struct event_fields *ev)
{
	unsigned found = 0;

	next_epoch(m);
	for (size_t s = 0; s < idx->nslots; s++)
		m->categories[s] = category_mask(idx, idx->slots[s], ev);
	if (idx->ngroups > 0 && idx->ngates >= CI_MIN_SCAN_CLAUSES) {
		uint64_t tags = (idx->nslots > 0 ? m->categories[0] : 0) | TAG_ALWAYS;
		struct litdict_sink to = { mark_needle, m, m->needle_seen, m->epoch, tags };

		found = litdict_scan(idx->dict, text, len, &to);
	}
	/* Without a scan, every group counts as marked. */
	m->all = (found & LITDICT_ESCAPE) != 0 || idx->ngates < CI_MIN_SCAN_CLAUSES;
	if (found & LITDICT_FOLD)
		for (size_t i = 0; i < idx->nfold_groups; i++)
			mark_group(m, idx->fold_groups[i]);
	select_gates(idx, m);
}

bool clause_index_may_pass(const struct clause_index *idx, const struct clause_marks *m,
			   size_t q, size_t clause)
{
	size_t id = idx->query_first[q] + clause;

	return (m->pass[id / 64] >> (id % 64)) & 1;
}

bool clause_index_next(const struct clause_index *idx, const struct clause_marks *m,
		       size_t *cursor, struct clause_ref *out)
{
	size_t id = *cursor;

	while (id < idx->ngates) {
		uint64_t bits = m->pass[id / 64] >> (id % 64);

		if (bits == 0) {
			id = (id / 64 + 1) * 64;
			continue;
		}
		id += (size_t)__builtin_ctzll(bits);
		out->query = idx->gates[id].query;
		out->clause = idx->gates[id].clause;
		*cursor = id + 1;
		return true;
	}
	*cursor = idx->ngates;
	return false;
}

/*
 * Whether node i is true, as filter() in eval.c decides it: only its
 * truth matters, not whether a false node is false or null (eval.h). A
 * node with an unmarked group is not true, so it is not walked.
 */
static bool node_true(const struct clause_index *idx, const struct clause_marks *m, uint32_t i,
		      struct eval_ctx *ctx)
{
	const struct node *nd = &idx->nodes[i];

	if (!groups_marked(idx, m, nd->first, nd->ngroups))
		return false;
	switch (nd->kind) {
	case NODE_AND:
		return node_true(idx, m, nd->left, ctx) && node_true(idx, m, nd->right, ctx);
	case NODE_OR:
		return node_true(idx, m, nd->left, ctx) || node_true(idx, m, nd->right, ctx);
	case NODE_NOT:
		return !node_true(idx, m, nd->left, ctx);
	case NODE_LEAF:
		break;
	}
	return eval_filter_leaf(nd->expr, ctx);
}

bool clause_index_eval(const struct clause_index *idx, const struct clause_marks *m,
		       const struct clause_ref *ref, struct eval_ctx *ctx)
{
	const struct gate *g = &idx->gates[idx->query_first[ref->query] + ref->clause];

	if (idx->off)
		return eval_clause(g->src, g->category_slot, ctx);
	if (!gate_passes(idx, m, idx->query_first[ref->query] + ref->clause))
		return false;
	if (g->category < 0 && !eval_category(g->src, g->category_slot, ctx->ev))
		return false;
	return g->root == NO_NODE || node_true(idx, m, g->root, ctx);
}

void clause_index_stats(const struct clause_index *idx, struct clause_index_stats *out)
{
	memset(out, 0, sizeof(*out));
	out->clauses = idx->ngates;
	for (size_t i = 0; i < idx->ngates; i++) {
		out->with_category += idx->gates[i].category >= 0;
		out->with_groups += idx->gates[i].ngroups > 0;
	}
	out->groups = idx->ngroups;
	out->needles = idx->dict != NULL ? litdict_count(idx->dict) : 0;
}

void clause_index_free(struct clause_index *idx)
{
	if (idx == NULL)
		return;
	for (size_t i = 0; i < idx->nwords; i++)
		free(idx->words[i].ptr);
	free(idx->gates);
	free(idx->query_first);
	free(idx->gate_groups);
	free(idx->group_first);
	free(idx->group_needles);
	free(idx->group_by_hash);
	free(idx->fold_groups);
	litdict_free(idx->dict);
	free(idx->needle_first);
	free(idx->needle_groups);
	free(idx->keyed_first);
	free(idx->keyed);
	free(idx->open);
	free(idx->nodes);
	free(idx->stack);
	free(idx);
}
