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

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/array.h"

_Static_assert(GV_GROUP_COUNT <= GV_FLOOR_GROUPS_MAX, "gv_floor.group_last is too small");
_Static_assert(GV_MODE_COUNT == 2, "the balanced policy alternates between two modes");

/* Bits of a sort key: band (2 bits), class (6 bits), request index (31 bits). */
#define KEY_INDEX_BITS 31
#define KEY_INDEX_MASK ((1LL << KEY_INDEX_BITS) - 1)

int gv__floor_list_reserve(gv_floor *f, size_t extra, gv_error *err)
{
    if (GV_ARRAY_RESERVE(f->list, f->cap_list, f->n_list + extra) < 0 ||
        GV_ARRAY_RESERVE(f->scratch, f->cap_scratch, 3 * f->cap_list) < 0)
        return gv_error_set(err, GV_ENOMEM, "out of memory");
    return 0;
}

void gv__floor_list_insert(gv_floor *f, size_t pos, int r)
{
    if (pos > f->n_list)
        pos = f->n_list;
    memmove(f->list + pos + 1, f->list + pos, (f->n_list - pos) * sizeof *f->list);
    f->list[pos] = r;
    f->n_list++;
}

void gv__floor_list_remove(gv_floor *f, size_t pos)
{
    memmove(f->list + pos, f->list + pos + 1, (f->n_list - pos - 1) * sizeof *f->list);
    f->n_list--;
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

static int cmp_key(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
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

void gv__floor_resort(gv_meeting *m)
{
    gv_floor *f = &m->floor;
    size_t n = f->n_list;
    if (n == 0 || m->current_item < 0)
        return;
    int policy = m->items[m->current_item].policy;
    int64_t *keys = f->scratch, *slots = f->scratch + n, *next = f->scratch + 2 * n;

    /* The unpinned entries and the positions they may take. */
    size_t u = 0;
    for (size_t pos = 0; pos < n; pos++) {
        const gv_request *r = &f->requests[f->list[pos]];
        if (r->pinned)
            continue;
        int cls = policy == GV_POLICY_UN && band_of(r) == 1 ? un_class(m, r) : 0;
        keys[u] = ((int64_t)band_of(r) << 40) | ((int64_t)cls << 32) | f->list[pos];
        slots[u++] = (int64_t)pos;
    }
    qsort(keys, u, sizeof *keys, cmp_key);

    /* keys[a..b) is band 2 (the policy's own band); make them plain indices. */
    size_t a = 0, b = 0;
    while (a < u && (keys[a] >> 40) == 0)
        a++;
    for (b = a; b < u && (keys[b] >> 40) == 1; b++)
        ;
    for (size_t k = 0; k < u; k++)
        keys[k] &= KEY_INDEX_MASK;

    buckets bk;
    if (policy == GV_POLICY_BALANCED)
        buckets_build(m, &bk, keys + a, next, b - a);

    /* Walk the positions: fill unpinned ones in order, and set reasons. */
    walk w;
    walk_init(m, &w);
    int rank[8] = {0}; /* arrivals so far per class, for "arrived 3rd" */
    size_t j = 0;
    for (size_t pos = 0; pos < n; pos++) {
        gv_request *r = &f->requests[f->list[pos]];
        if (j >= u || (size_t)slots[j] != pos) { /* a pinned entry stays */
            walk_step(m, &w, r);
            continue;
        }
        int idx;
        if (j < a || j >= b)
            idx = (int)keys[j];
        else if (policy == GV_POLICY_BALANCED)
            idx = buckets_take(&bk, keys + a, next, &w);
        else
            idx = (int)keys[j];
        j++;
        f->list[pos] = idx;
        r = &f->requests[idx];
        r->reason_prev_mode = w.prev_mode;
        r->reason_prev_group = w.prev_group;
        if (r->kind == GV_REQUEST_POINT_OF_ORDER) {
            r->reason = GV_REASON_POINT_OF_ORDER;
            r->reason_rank = ++rank[5];
        } else if (r->kind == GV_REQUEST_REPLY) {
            r->reason = GV_REASON_REPLY;
            r->reason_rank = ++rank[6];
        } else if (policy == GV_POLICY_UN) {
            int cls = un_class(m, r);
            r->reason = GV_REASON_UN_GROUP_STATEMENT + cls;
            r->reason_rank = ++rank[cls];
        } else if (policy == GV_POLICY_BALANCED) {
            r->reason = tier_of(m, r) == 0 ? GV_REASON_BALANCED_FIRST_TIME
                                           : GV_REASON_BALANCED_SPOKEN_BEFORE;
            r->reason_rank = ++rank[7];
        } else {
            r->reason = GV_REASON_FIFO;
            r->reason_rank = ++rank[7];
        }
        walk_step(m, &w, r);
    }
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
        snprintf(buf, size, "moved here by the moderator");
        return;
    case GV_REASON_PLACED:
        snprintf(buf, size, "placed here by the moderator");
        return;
    case GV_REASON_READDED:
        snprintf(buf, size, "put back on top by the moderator: their speech was ended by mistake");
        return;
    case GV_REASON_FIFO:
        snprintf(buf, size, "arrived %s", ord);
        return;
    case GV_REASON_UN_GROUP_STATEMENT:
        snprintf(buf, size, "statement on behalf of %s, arrived %s among them", r->on_behalf_of,
                 ord);
        return;
    case GV_REASON_UN_MEMBER_STATE:
        snprintf(buf, size, "member state, arrived %s among them", ord);
        return;
    case GV_REASON_UN_OBSERVER_STATE:
        snprintf(buf, size, "observer state, arrived %s among them", ord);
        return;
    case GV_REASON_UN_INTERGOVERNMENTAL:
        snprintf(buf, size, "intergovernmental organization, arrived %s among them", ord);
        return;
    case GV_REASON_UN_OTHER:
        snprintf(buf, size, "other stakeholder (%s), arrived %s among them", grp, ord);
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
