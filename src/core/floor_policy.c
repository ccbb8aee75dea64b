/*
 * The order of the speakers' list, and why each entry stands where it stands.
 *
 * The list (f->list) is an explicit sequence of waiting requests. Entries the
 * moderator placed (moved, inserted at a position, re-added) are pinned: they
 * keep their position, which only shifts when someone ahead of them leaves the
 * list or is put ahead of them (a point of order, a re-added speaker, an
 * insertion at a position). Every other entry is unpinned, and after every
 * change gv__floor_resort() refills the unpinned positions, in order, with the
 * unpinned entries in this order:
 *
 *   1. points of order, first come first served;
 *   2. the other requests, by the item's policy;
 *   3. rights of reply, first come first served (they close the item).
 *
 * The policies, for band 2:
 * - fifo: by arrival (request ids are sequence numbers, and the requests array
 *   is in id order, so arrival order is index order);
 * - un: statements on behalf of a group of states, member states, observer
 *   states, intergovernmental organizations, other stakeholders; by arrival
 *   within each class;
 * - balanced: built position by position, each time taking, among the entries
 *   not yet placed, (a) first-time speakers (nobody who has had the floor at
 *   this meeting) before the others; within that tier (b) the other mode than
 *   the turn before (room after online, online after room) when anyone of it
 *   waits; then (c) the stakeholder group heard least recently (never heard
 *   first), counting the meeting's speeches and the positions already placed;
 *   then (d) the earliest arrival. "The turn before" is the last speech of the
 *   meeting for the first position, then whoever stands just ahead, pinned
 *   entries included.
 *
 * The result depends only on the state (requests, pins, speeches), never on
 * the order of operations that led there beyond those, so a replay gives the
 * same list. Nothing here allocates: the work space (f->scratch, three
 * int64_t per list slot) is reserved with the list.
 */
#include "core/floor_internal.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/array.h"

_Static_assert(GV_GROUP_COUNT <= GV_FLOOR_GROUPS_MAX, "gv_floor.group_last is too small");
_Static_assert(GV_MODE_COUNT == 2, "the balanced policy alternates between two modes");

/* The work space of one ordering, carved out of f->scratch for n entries:
 * the sort keys (3 int64_t each), the candidates in order, the free positions
 * and the chains of the balanced buckets. */
typedef struct sort_key {
    int64_t hi;  /** band, class and level, packed: smaller first */
    int64_t seq; /** then the event that set the request's time */
    int64_t idx; /** the request's index (and tie-break) */
} sort_key;

_Static_assert(sizeof(sort_key) == 3 * sizeof(int64_t), "sort_key is three int64_t");
_Static_assert(GV__FLOOR_SCRATCH_PER_ENTRY == 6, "the work space is keys, cand, slots, next");

int gv__floor_scratch_reserve(gv_floor *f, size_t cap, gv_error *err)
{
    if (GV_ARRAY_RESERVE(f->scratch, f->cap_scratch, GV__FLOOR_SCRATCH_PER_ENTRY * cap) < 0)
        return gv_error_set(err, GV_ENOMEM, "out of memory");
    return 0;
}

int gv__floor_list_reserve(gv_floor *f, size_t extra, gv_error *err)
{
    return gv__floor_ints_reserve(f, &f->list, &f->cap_list, f->n_list + extra, err);
}

int gv__floor_ints_reserve(gv_floor *f, int **list, size_t *cap, size_t need, gv_error *err)
{
    if (need <= *cap)
        return 0;
    /* Then the work space, to fit the capacity the list got; if that fails
     * the list keeps its old capacity on record, which only underestimates it. */
    size_t grown = *cap;
    if (gv_array_reserve(list, &grown, need, sizeof **list) < 0 ||
        gv__floor_scratch_reserve(f, grown, err) < 0)
        return gv_error_set(err, GV_ENOMEM, "out of memory");
    *cap = grown;
    return 0;
}

void gv__floor_ints_insert(int *list, size_t *n, size_t pos, int r)
{
    if (pos > *n)
        pos = *n;
    memmove(list + pos + 1, list + pos, (*n - pos) * sizeof *list);
    list[pos] = r;
    (*n)++;
}

void gv__floor_ints_remove(int *list, size_t *n, size_t pos)
{
    memmove(list + pos, list + pos + 1, (*n - pos - 1) * sizeof *list);
    (*n)--;
}

void gv__floor_list_insert(gv_floor *f, size_t pos, int r)
{
    gv__floor_ints_insert(f->list, &f->n_list, pos, r);
}

void gv__floor_list_remove(gv_floor *f, size_t pos)
{
    gv__floor_ints_remove(f->list, &f->n_list, pos);
}

size_t gv__floor_entry_slot(const gv_floor *f, int kind)
{
    if (kind != GV_REQUEST_POINT_OF_ORDER)
        return f->n_list;
    size_t pos = 0;
    while (pos < f->n_list && f->requests[f->list[pos]].kind == GV_REQUEST_POINT_OF_ORDER)
        pos++;
    return pos;
}

static int band_of(const gv_request *r)
{
    return r->kind == GV_REQUEST_POINT_OF_ORDER ? 0 : r->kind == GV_REQUEST_REPLY ? 2 : 1;
}

/* The class of a request under the "un" policy (0 first). */
static int un_class(const gv_meeting *m, const gv_request *r)
{
    if (r->on_behalf_of)
        return 0;
    switch (m->people[r->person].group) {
    case GV_GROUP_MEMBER_STATE:
        return 1;
    case GV_GROUP_OBSERVER_STATE:
        return 2;
    case GV_GROUP_INTERGOVERNMENTAL:
        return 3;
    default:
        return 4;
    }
}

static const int level_ranks[GV_LEVEL_COUNT] = {0, 1, 2, 2, 3, 4, 5};
#define N_LEVEL_RANKS 6
#define N_UN_CLASSES  5

int gv__floor_level_rank(int level)
{
    return level_ranks[level];
}

void gv__floor_rank_set(const gv_meeting *m, gv_request *r, int64_t seq)
{
    bool un = m->items[r->item].policy == GV_POLICY_UN;
    r->rank_class = un ? un_class(m, r) : 0;
    r->rank_level = un ? level_ranks[r->level] : 0;
    r->rank_seq = seq;
    r->swapped_with = 0;
}

static int cmp_key(const void *a, const void *b)
{
    const sort_key *x = a, *y = b;
    if (x->hi != y->hi)
        return (x->hi > y->hi) - (x->hi < y->hi);
    if (x->seq != y->seq)
        return (x->seq > y->seq) - (x->seq < y->seq);
    return (x->idx > y->idx) - (x->idx < y->idx);
}

/* The sort key of request index i: the policy's band ordered by rank (the
 * balanced policy orders its band itself, from arrival order). */
static sort_key key_of(const gv_floor *f, int policy, int i)
{
    const gv_request *r = &f->requests[i];
    int band = band_of(r);
    if (band != 1 || policy == GV_POLICY_BALANCED)
        return (sort_key){.hi = (int64_t)band << 16, .seq = r->id, .idx = i};
    return (sort_key){.hi = ((int64_t)band << 16) | ((int64_t)r->rank_class << 8) | r->rank_level,
                      .seq = r->rank_seq,
                      .idx = i};
}

/* The state of the balanced walk: the turn before, and when each group last spoke. */
typedef struct walk {
    int prev_mode;                      /** -1 before any turn */
    int prev_group;                     /** -1 before any turn */
    int64_t group_last[GV_GROUP_COUNT]; /** turn counter of the group's last turn, -1 never */
    int64_t turn;                       /** counter of the next turn */
} walk;

static void walk_init(const gv_meeting *m, walk *w)
{
    const gv_floor *f = &m->floor;
    w->prev_mode = -1;
    w->prev_group = -1;
    if (f->n_speeches > 0) {
        const gv_speech *s = &f->speeches[f->n_speeches - 1];
        w->prev_mode = s->mode;
        w->prev_group = m->people[s->person].group;
    }
    for (int g = 0; g < GV_GROUP_COUNT; g++)
        w->group_last[g] = f->group_last[g];
    w->turn = (int64_t)f->n_speeches;
}

static void walk_step(const gv_meeting *m, walk *w, const gv_request *r)
{
    int g = m->people[r->person].group;
    w->prev_mode = r->mode;
    w->prev_group = g;
    w->group_last[g] = w->turn++;
}

/*
 * Buckets of the balanced policy: tier (first time or not) x mode x group,
 * each a chain of candidates in arrival order through next[] (indices into
 * cand[], -1 ends a chain).
 */
#define N_BUCKETS (2 * GV_MODE_COUNT * GV_GROUP_COUNT)

typedef struct buckets {
    int64_t head[N_BUCKETS], tail[N_BUCKETS];
    size_t left[2]; /** candidates not yet placed, per tier */
} buckets;

static int tier_of(const gv_meeting *m, const gv_request *r)
{
    return m->floor.person_last && m->floor.person_last[r->person] >= 0 ? 1 : 0;
}

static int bucket_of(const gv_meeting *m, const gv_request *r)
{
    return (tier_of(m, r) * GV_MODE_COUNT + r->mode) * GV_GROUP_COUNT + m->people[r->person].group;
}

static void buckets_build(const gv_meeting *m, buckets *b, const int64_t *cand, int64_t *next,
                          size_t n)
{
    for (int i = 0; i < N_BUCKETS; i++)
        b->head[i] = b->tail[i] = -1;
    b->left[0] = b->left[1] = 0;
    for (size_t k = 0; k < n; k++) {
        const gv_request *r = &m->floor.requests[cand[k]];
        int i = bucket_of(m, r);
        next[k] = -1;
        if (b->tail[i] < 0)
            b->head[i] = (int64_t)k;
        else
            next[b->tail[i]] = (int64_t)k;
        b->tail[i] = (int64_t)k;
        b->left[tier_of(m, r)]++;
    }
}

/* Takes the next entry by the balanced rules; returns its request index. */
static int buckets_take(buckets *b, const int64_t *cand, const int64_t *next, const walk *w)
{
    int tier = b->left[0] > 0 ? 0 : 1;
    bool other_mode_waits = false;
    if (w->prev_mode >= 0) {
        int other = 1 - w->prev_mode;
        for (int g = 0; g < GV_GROUP_COUNT && !other_mode_waits; g++)
            other_mode_waits = b->head[(tier * GV_MODE_COUNT + other) * GV_GROUP_COUNT + g] >= 0;
    }
    int best = -1;
    for (int mode = 0; mode < GV_MODE_COUNT; mode++) {
        if (other_mode_waits && mode == w->prev_mode)
            continue;
        for (int g = 0; g < GV_GROUP_COUNT; g++) {
            int i = (tier * GV_MODE_COUNT + mode) * GV_GROUP_COUNT + g;
            if (b->head[i] < 0)
                continue;
            if (best < 0) {
                best = i;
                continue;
            }
            int bg = best % GV_GROUP_COUNT;
            if (w->group_last[g] < w->group_last[bg] ||
                (w->group_last[g] == w->group_last[bg] && cand[b->head[i]] < cand[b->head[best]]))
                best = i;
        }
    }
    int64_t k = b->head[best];
    b->head[best] = next[k];
    if (b->head[best] < 0)
        b->tail[best] = -1;
    b->left[tier]--;
    return (int)cand[k];
}

/* Sets r's reason as the walk reaches it; rank counts arrivals per class and level. */
static void set_reason(const gv_meeting *m, gv_request *r, int policy, int (*rank)[N_LEVEL_RANKS],
                       int *other_rank)
{
    if (r->kind == GV_REQUEST_POINT_OF_ORDER) {
        r->reason = GV_REASON_POINT_OF_ORDER;
        r->reason_rank = ++other_rank[0];
    } else if (r->kind == GV_REQUEST_REPLY) {
        r->reason = GV_REASON_REPLY;
        r->reason_rank = ++other_rank[1];
    } else if (r->swapped_with > 0) {
        r->reason = GV_REASON_SWAPPED;
        r->reason_rank = 0;
    } else if (policy == GV_POLICY_UN) {
        r->reason = GV_REASON_UN_GROUP_STATEMENT + r->rank_class;
        r->reason_rank = ++rank[r->rank_class][r->rank_level];
    } else if (policy == GV_POLICY_BALANCED) {
        r->reason =
            tier_of(m, r) == 0 ? GV_REASON_BALANCED_FIRST_TIME : GV_REASON_BALANCED_SPOKEN_BEFORE;
        r->reason_rank = ++other_rank[2];
    } else {
        r->reason = GV_REASON_FIFO;
        r->reason_rank = ++other_rank[2];
    }
}

void gv__floor_order(gv_meeting *m, int *list, size_t n, int item)
{
    gv_floor *f = &m->floor;
    if (n == 0)
        return;
    assert(GV__FLOOR_SCRATCH_PER_ENTRY * n <= f->cap_scratch);
    int policy = m->items[item].policy;
    sort_key *keys = (sort_key *)f->scratch;
    int64_t *cand = f->scratch + 3 * n, *slots = f->scratch + 4 * n, *next = f->scratch + 5 * n;

    /* The unpinned entries and the positions they may take. */
    size_t u = 0;
    for (size_t pos = 0; pos < n; pos++) {
        if (f->requests[list[pos]].pinned)
            continue;
        keys[u] = key_of(f, policy, list[pos]);
        slots[u++] = (int64_t)pos;
    }
    qsort(keys, u, sizeof *keys, cmp_key);

    /* cand[a..b) is band 1, the policy's own band. */
    size_t a = 0, b = 0;
    for (size_t k = 0; k < u; k++)
        cand[k] = keys[k].idx;
    while (a < u && (keys[a].hi >> 16) == 0)
        a++;
    for (b = a; b < u && (keys[b].hi >> 16) == 1; b++)
        ;

    buckets bk;
    if (policy == GV_POLICY_BALANCED)
        buckets_build(m, &bk, cand + a, next, b - a);

    /* Walk the positions: fill unpinned ones in order, and set reasons. */
    walk w;
    walk_init(m, &w);
    int rank[N_UN_CLASSES][N_LEVEL_RANKS] = {{0}}, other_rank[3] = {0};
    size_t j = 0;
    for (size_t pos = 0; pos < n; pos++) {
        gv_request *r = &f->requests[list[pos]];
        if (j >= u || (size_t)slots[j] != pos) { /* a pinned entry stays */
            walk_step(m, &w, r);
            continue;
        }
        int idx = policy == GV_POLICY_BALANCED && j >= a && j < b
                      ? buckets_take(&bk, cand + a, next, &w)
                      : (int)cand[j];
        j++;
        list[pos] = idx;
        r = &f->requests[idx];
        r->reason_prev_mode = w.prev_mode;
        r->reason_prev_group = w.prev_group;
        set_reason(m, r, policy, rank, other_rank);
        walk_step(m, &w, r);
    }
}

void gv__floor_resort(gv_meeting *m)
{
    if (m->current_item >= 0)
        gv__floor_order(m, m->floor.list, m->floor.n_list, m->current_item);
}

const char *gv__floor_ordinal(long n, char *buf, size_t size)
{
    const char *suffix = "th";
    if (n % 100 < 11 || n % 100 > 13) {
        if (n % 10 == 1)
            suffix = "st";
        else if (n % 10 == 2)
            suffix = "nd";
        else if (n % 10 == 3)
            suffix = "rd";
    }
    snprintf(buf, size, "%ld%s", n, suffix);
    return buf;
}

/* Where someone speaks from, in words. */
static const char *place_words(int mode)
{
    return mode == GV_MODE_ROOM ? "in the room" : "online";
}

/* A group's name for people: "civil society" for civil_society. */
static void group_words(int g, char *buf, size_t size)
{
    snprintf(buf, size, "%s", g >= 0 && g < GV_GROUP_COUNT ? gv_group_names[g] : "unknown");
    for (char *p = buf; *p; p++)
        if (*p == '_')
            *p = ' ';
}

/* The words of a level rank, as the reasons name them. */
static const char *const rank_words[N_LEVEL_RANKS] = {
    "Head of State", "Head of Government", "Vice-President or Crown Prince",
    "Minister",      "Vice-Minister",      "head of delegation"};

/* Who pinned an entry, for "moved here by ...". */
static const char *pinner_words(const gv_meeting *m, const gv_request *r)
{
    if (r->pinned_by >= 0 && !(m->people[r->pinned_by].roles & GV_ROLES_PRESIDING))
        return "the secretariat";
    return "the moderator";
}

/* The un reasons: class, level for states, then the rank among them. */
static void un_text(const gv_request *r, const char *ord, const char *grp, char *buf, size_t size)
{
    char what[GV_FLOOR_ON_BEHALF_MAX_BYTES + 64], level[80] = "";
    switch (r->reason) {
    case GV_REASON_UN_GROUP_STATEMENT:
        snprintf(what, sizeof what, "statement on behalf of %s", r->on_behalf_of);
        break;
    case GV_REASON_UN_MEMBER_STATE:
        snprintf(what, sizeof what, "member state");
        break;
    case GV_REASON_UN_OBSERVER_STATE:
        snprintf(what, sizeof what, "observer state");
        break;
    case GV_REASON_UN_INTERGOVERNMENTAL:
        snprintf(what, sizeof what, "intergovernmental organization");
        break;
    default:
        snprintf(what, sizeof what, "other stakeholder (%s)", grp);
        break;
    }
    if (r->reason <= GV_REASON_UN_OBSERVER_STATE)
        snprintf(level, sizeof level, ", %s", rank_words[level_ranks[r->level]]);
    if (r->level_changed_at_ms > 0)
        snprintf(buf, size, "%s%s since a change of level, %s among them", what, level, ord);
    else
        snprintf(buf, size, "%s%s, %s %s among them", what, level,
                 r->inscribed ? "inscribed" : "arrived", ord);
}

void gv__floor_reason_text(const gv_meeting *m, const gv_request *r, char *buf, size_t size)
{
    char ord[24], grp[64], prev[64];
    gv__floor_ordinal(r->reason_rank, ord, sizeof ord);
    group_words(m->people[r->person].group, grp, sizeof grp);
    switch (r->reason) {
    case GV_REASON_POINT_OF_ORDER:
        snprintf(buf, size, "point of order (raised %s): heard before the list", ord);
        return;
    case GV_REASON_REPLY:
        snprintf(buf, size, "right of reply (asked %s): heard at the end of the item", ord);
        return;
    case GV_REASON_MOVED:
        snprintf(buf, size, "moved here by %s", pinner_words(m, r));
        return;
    case GV_REASON_PLACED:
        snprintf(buf, size, "placed here by %s", pinner_words(m, r));
        return;
    case GV_REASON_READDED:
        snprintf(buf, size, "put back on top by the moderator: their speech was ended by mistake");
        return;
    case GV_REASON_FIFO:
        snprintf(buf, size, "%s %s", r->inscribed ? "inscribed" : "arrived", ord);
        return;
    case GV_REASON_SWAPPED: {
        int with = gv__floor_request_find(&m->floor, r->swapped_with);
        const gv_person *o = with >= 0 ? &m->people[m->floor.requests[with].person] : NULL;
        snprintf(buf, size, "swapped places with %s at their request",
                 !o                                    ? "another speaker"
                 : o->affiliation && o->affiliation[0] ? o->affiliation
                                                       : o->name);
        return;
    }
    case GV_REASON_UN_GROUP_STATEMENT:
    case GV_REASON_UN_MEMBER_STATE:
    case GV_REASON_UN_OBSERVER_STATE:
    case GV_REASON_UN_INTERGOVERNMENTAL:
    case GV_REASON_UN_OTHER:
        un_text(r, ord, grp, buf, size);
        return;
    default:
        break;
    }
    /* balanced */
    bool first = r->reason == GV_REASON_BALANCED_FIRST_TIME;
    int n = snprintf(buf, size, "%s", first ? "first-time speaker" : "has spoken before");
    if (n < 0 || (size_t)n >= size)
        return;
    const char *mode = gv_mode_names[r->mode];
    if (r->reason_prev_mode < 0)
        n += snprintf(buf + n, size - (size_t)n, ", %s", place_words(r->mode));
    else if (r->reason_prev_mode != r->mode)
        n += snprintf(buf + n, size - (size_t)n, ", %s after %s", mode,
                      gv_mode_names[r->reason_prev_mode]);
    else
        n += snprintf(buf + n, size - (size_t)n, ", %s again: no %s waiting %s", mode,
                      first ? "first-time speaker" : "one", place_words(1 - r->mode));
    if (n < 0 || (size_t)n >= size)
        return;
    if (r->reason_prev_group < 0) {
        snprintf(buf + n, size - (size_t)n, ", %s", grp);
    } else if (r->reason_prev_group == (int)m->people[r->person].group) {
        snprintf(buf + n, size - (size_t)n, ", %s again", grp);
    } else {
        group_words(r->reason_prev_group, prev, sizeof prev);
        snprintf(buf + n, size - (size_t)n, ", %s after %s", grp, prev);
    }
}
