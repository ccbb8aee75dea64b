/*
 * The `un` order with levels of representation, from a table written from
 * the rules of docs/speakers-list.md ("`un`: United Nations practice", rules
 * 1 to 5), not from the code: each case names its rule, the steps, and the
 * order the rule gives, worked out by hand.
 *
 * Steps, on the provisional list of the item `debate` (one a second):
 *   "i WHO [LEVEL] [obo]"  WHO inscribes itself (at LEVEL; on behalf of a group)
 *   "I WHO [LEVEL]"        the secretariat inscribes WHO
 *   "l WHO LEVEL"          WHO's level changes (WHO says so)
 *   "s A B"                the secretariat swaps A's and B's places
 *   "m WHO POS"            the secretariat moves WHO to POS
 *   "w WHO"                WHO withdraws
 * People (inscription_fixture.h): member states arcadia, borduria, dorado,
 * d00, d06, d12, d18; observer states carpania, d01; intergovernmental agency;
 * private sector firm; civil society ngo; technical and academic uni.
 *
 * Every case also replays its log to the same state, and carries its list
 * into the meeting unchanged (the item starts at the end).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "inscription_fixture.h"

#define MAX_STEPS 8

typedef struct precedence_case {
    const char *rule;
    const char *steps[MAX_STEPS];
    const char *order; /** people, first to last */
    const char *codes; /** reason codes, first to last; NULL: not checked */
} precedence_case;

static const precedence_case cases[] = {
    {"1: class before level: a member state's head of delegation before an observer's Head of "
     "State",
     {"i carpania head_of_state", "i arcadia"},
     "arcadia,carpania",
     "un_member_state,un_observer_state"},
    {"1: a statement on behalf of a group before any state, whatever its level",
     {"i arcadia head_of_state", "i agency obo"},
     "agency,arcadia",
     "un_group_statement,un_member_state"},
    {"1: the five classes in order",
     {"i ngo", "i agency", "i carpania", "i arcadia", "i borduria obo"},
     "borduria,arcadia,carpania,agency,ngo",
     "un_group_statement,un_member_state,un_observer_state,un_intergovernmental,un_other"},
    {"2: every level in order, inscribed the other way round",
     {"i arcadia", "i borduria vice_minister", "i dorado minister", "i d06 vice_president",
      "i d12 head_of_government", "i d18 head_of_state"},
     "d18,d12,d06,dorado,borduria,arcadia",
     NULL},
    {"2: a Vice-President and a Crown Prince share a rank: by time",
     {"i d06 crown_prince", "i d12 vice_president", "i d18 crown_prince"},
     "d06,d12,d18",
     NULL},
    {"2: statements on behalf of groups by level too",
     {"i arcadia obo", "i borduria minister obo"},
     "borduria,arcadia",
     "un_group_statement,un_group_statement"},
    {"2: observer states by level", {"i carpania", "i d01 head_of_state"}, "d01,carpania", NULL},
    {"2: everyone else at one level: by time",
     {"i firm", "i ngo", "i uni"},
     "firm,ngo,uni",
     "un_other,un_other,un_other"},
    {"3: the same class and level: who inscribed first",
     {"i dorado minister", "i borduria minister", "i arcadia minister"},
     "dorado,borduria,arcadia",
     NULL},
    {"3: the secretariat's inscription ranks from the time it made it",
     {"i arcadia", "I borduria", "i dorado"},
     "arcadia,borduria,dorado",
     NULL},
    {"4: a level lowered: the next place at the new level",
     {"i borduria minister", "i arcadia", "i dorado", "l borduria head_of_delegation"},
     "arcadia,dorado,borduria",
     NULL},
    {"4: a level raised: after those already at that level",
     {"i borduria minister", "i arcadia", "l arcadia minister", "i dorado minister"},
     "borduria,arcadia,dorado",
     NULL},
    {"4: a place chosen by the secretariat is given up when the level changes",
     {"i arcadia minister", "i borduria", "i dorado minister", "m borduria 0",
      "l borduria vice_minister"},
     "arcadia,dorado,borduria",
     "un_member_state,un_member_state,un_member_state"},
    {"5: two places swapped",
     {"i arcadia", "i borduria minister", "i dorado", "s arcadia borduria"},
     "arcadia,borduria,dorado",
     "swapped,swapped,un_member_state"},
    {"5: a swapped pair keeps its exchanged ranks as others inscribe",
     {"i arcadia", "i borduria minister", "s arcadia borduria", "i dorado head_of_state",
      "i d06 minister"},
     "dorado,arcadia,d06,borduria",
     "un_member_state,swapped,un_member_state,swapped"},
    {"5: a swap across classes hands over the class too",
     {"i carpania", "i arcadia", "s carpania arcadia", "i dorado"},
     "carpania,dorado,arcadia",
     "swapped,un_member_state,swapped"},
    {"5: a pinned place is handed over pinned",
     {"i arcadia", "i borduria", "i dorado", "m dorado 0", "s dorado borduria", "i d06 minister"},
     "borduria,d06,arcadia,dorado",
     "swapped,un_member_state,un_member_state,swapped"},
    {"4 and 5: a change of level ends that side's swap",
     {"i arcadia", "i borduria minister", "i dorado minister", "s arcadia borduria",
      "l arcadia vice_minister"},
     "dorado,arcadia,borduria",
     "un_member_state,un_member_state,swapped"},
    {"a withdrawal closes the ranks",
     {"i arcadia", "i borduria", "i dorado", "w borduria"},
     "arcadia,dorado",
     NULL},
};
#define N_CASES (sizeof cases / sizeof cases[0])

/* The request id of who's waiting inscription, from the state. */
static int64_t request_of(const ff *f, const char *who)
{
    json_t *p = if_provisional(f, "debate"), *e;
    size_t i;
    int64_t id = 0;
    json_array_foreach(json_object_get(p, "list"), i, e)
    {
        if (strcmp(json_string_value(json_object_get(e, "person")), who) == 0)
            id = json_integer_value(json_object_get(e, "request"));
    }
    json_decref(p);
    if (id == 0)
        fail_msg("%s is not on the list", who);
    return id;
}

static void run_step(ff *f, const char *step)
{
    char op[4] = "", a[32] = "", b[32] = "", c[32] = "";
    sscanf(step, "%3s %31s %31s %31s", op, a, b, c);
    bool obo = strcmp(b, "obo") == 0 || strcmp(c, "obo") == 0;
    const char *level = b[0] && strcmp(b, "obo") != 0 ? b : NULL;
    char extra[160] = "";
    if (level)
        snprintf(extra, sizeof extra, "\"level\": \"%s\"", level);
    if (obo)
        snprintf(extra + strlen(extra), sizeof extra - strlen(extra),
                 "%s\"on_behalf_of\": \"the African Group\"", level ? ", " : "");
    switch (op[0]) {
    case 'i':
        if_inscribe(f, a, a, "debate", extra);
        break;
    case 'I':
        if_inscribe(f, "sec", a, "debate", extra);
        break;
    case 'l':
        ff_ok(f, a, "{\"type\": \"set_speaker_level\", \"request\": %lld, \"level\": \"%s\"}",
              (long long)request_of(f, a), b);
        break;
    case 's':
        ff_ok(f, "sec", "{\"type\": \"swap_inscriptions\", \"request\": %lld, \"with\": %lld}",
              (long long)request_of(f, a), (long long)request_of(f, b));
        break;
    case 'm':
        ff_ok(f, "sec", "{\"type\": \"move_inscription\", \"request\": %lld, \"position\": %s}",
              (long long)request_of(f, a), b);
        break;
    case 'w':
        ff_ok(f, a, "{\"type\": \"withdraw_inscription\", \"request\": %lld}",
              (long long)request_of(f, a));
        break;
    default:
        fail_msg("bad step \"%s\"", step);
    }
}

static void every_case_orders_as_its_rule_says(void **state)
{
    (void)state;
    for (size_t k = 0; k < N_CASES; k++) {
        const precedence_case *pc = &cases[k];
        ff f;
        if_init(&f);
        for (size_t s = 0; s < MAX_STEPS && pc->steps[s]; s++)
            run_step(&f, pc->steps[s]);
        char got[1024];
        if_column(&f, "debate", "person", got, sizeof got);
        if (strcmp(got, pc->order) != 0)
            fail_msg("rule %s: order %s, the rule gives %s", pc->rule, got, pc->order);
        if (pc->codes) {
            if_column(&f, "debate", "reason_code", got, sizeof got);
            if (strcmp(got, pc->codes) != 0)
                fail_msg("rule %s: reasons %s, expected %s", pc->rule, got, pc->codes);
        }
        /* Into the meeting, unchanged. */
        f.now_ms = IF_CLOSES_MS + IF_DAY;
        ff_start(&f, "debate");
        char carried[1024];
        ff_order(&f, carried, sizeof carried);
        if (strcmp(carried, pc->order) != 0)
            fail_msg("rule %s: carried into the meeting as %s", pc->rule, carried);
        ff_assert_replays(&f);
        ff_release(&f);
    }
}

/* The worked example with levels of docs/speakers-list.md, reasons word for word. */
static void worked_example(void **state)
{
    (void)state;
    ff f;
    if_init(&f);
    static const char *const steps[] = {"i arcadia",
                                        "i ngo",
                                        "i borduria minister",
                                        "i carpania head_of_state",
                                        "i dorado head_of_government",
                                        "i agency",
                                        "i d00 minister obo",
                                        "i d06 vice_president",
                                        "i d12 crown_prince",
                                        "i firm"};
    for (size_t s = 0; s < sizeof steps / sizeof *steps; s++)
        run_step(&f, steps[s]);
    if_assert_order(&f, "debate", "d00,dorado,d06,d12,borduria,arcadia,carpania,agency,ngo,firm");
    static const char *const reasons[] = {
        "statement on behalf of the African Group, Minister, inscribed 1st among them",
        "member state, Head of Government, inscribed 1st among them",
        "member state, Vice-President or Crown Prince, inscribed 1st among them",
        "member state, Vice-President or Crown Prince, inscribed 2nd among them",
        "member state, Minister, inscribed 1st among them",
        "member state, head of delegation, inscribed 1st among them",
        "observer state, Head of State, inscribed 1st among them",
        "intergovernmental organization, inscribed 1st among them",
        "other stakeholder (civil society), inscribed 1st among them",
        "other stakeholder (private sector), inscribed 2nd among them",
    };
    for (size_t i = 0; i < sizeof reasons / sizeof *reasons; i++)
        assert_string_equal(if_entry(&f, "debate", i, "reason"), reasons[i]);

    run_step(&f, "l borduria head_of_delegation");
    if_assert_order(&f, "debate", "d00,dorado,d06,d12,arcadia,borduria,carpania,agency,ngo,firm");
    assert_string_equal(if_entry(&f, "debate", 5, "reason"),
                        "member state, head of delegation since a change of level, 2nd among "
                        "them");
    run_step(&f, "s arcadia dorado");
    if_assert_order(&f, "debate", "d00,arcadia,d06,d12,dorado,borduria,carpania,agency,ngo,firm");
    assert_string_equal(if_entry(&f, "debate", 1, "reason"),
                        "swapped places with Dorado at their request");
    assert_string_equal(if_entry(&f, "debate", 4, "reason"),
                        "swapped places with Arcadia at their request");
    run_step(&f, "i d18 head_of_state");
    if_assert_order(&f, "debate",
                    "d00,d18,arcadia,d06,d12,dorado,borduria,carpania,agency,ngo,firm");

    /* The item starts: that is its speakers' list; then requests in the room join it. */
    f.now_ms = IF_CLOSES_MS + IF_DAY;
    ff_start(&f, "debate");
    ff_assert_order(&f, "d00,d18,arcadia,d06,d12,dorado,borduria,carpania,agency,ngo,firm");
    ff_ask(&f, "uni", NULL);
    ff_ask(&f, "d01", NULL);
    ff_assert_order(&f, "d00,d18,arcadia,d06,d12,dorado,borduria,carpania,d01,agency,ngo,firm,uni");
    assert_string_equal(ff_entry(&f, 8, "reason"),
                        "observer state, head of delegation, arrived 1st among them");
    assert_string_equal(ff_entry(&f, 12, "reason"),
                        "other stakeholder (technical academic), arrived 3rd among them");
    ff_assert_replays(&f);
    ff_release(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_case_orders_as_its_rule_says),
        cmocka_unit_test(worked_example),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
