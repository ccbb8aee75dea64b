/*
 * Questions from the audience: the part of a meeting's state that
 * src/core/questions.c keeps. The commands and events are in
 * docs/questions.md; meeting_internal.h embeds a gv_questions in every
 * meeting.
 */
#ifndef GV_CORE_QUESTIONS_H
#define GV_CORE_QUESTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* At most this many questions in one meeting; asking one more is refused. */
#define GV_QUESTIONS_MAX 10000
/* A question's text, trimmed, in Unicode code points. */
#define GV_QUESTION_TEXT_MAX_CHARS 500
/* A question's text as sent, in bytes, before trimming (bounds the work on hostile input). */
#define GV_QUESTION_TEXT_MAX_BYTES 4000

typedef enum gv_question_state {
    GV_QUESTION_PENDING,   /** waiting for the moderator's approval */
    GV_QUESTION_VISIBLE,   /** shown to everyone, open to votes */
    GV_QUESTION_DISMISSED, /** hidden by the moderator; approve restores it */
    GV_QUESTION_MERGED,    /** a duplicate; its votes went to merged_into */
    GV_QUESTION_STATE_COUNT
} gv_question_state;

/* Names of the states in events and state JSON; index = enum value. */
extern const char *const gv_question_state_names[GV_QUESTION_STATE_COUNT];

typedef struct gv_question {
    int64_t id; /** sequence number of the question_asked event */
    char *text; /** trimmed, 1..500 code points, owned */
    int author; /** person index; -1 when asked anonymously (never kept) */
    bool anonymous;
    int64_t asked_at_ms;
    gv_question_state state;
    bool answered;
    int64_t answered_at_ms; /** 0 until answered */
    int guiding_question;   /** index into questions_def, -1 when not linked */
    int to;                 /** person index of the panelist it is addressed to, -1 if none */
    int64_t merged_into;    /** id of a question that is not itself merged, 0 if not merged */
    int64_t edited_at_ms;   /** the moderator's last edit of the text, 0 if never edited */
    int *voters;            /** person indices, ascending, no repeats; owned */
    size_t n_voters;        /** the question's votes */
    size_t cap_voters;
} gv_question;

typedef struct gv_questions {
    gv_question *list; /** in ascending id order (the order they were asked) */
    size_t n;
    size_t cap;
    int64_t shown; /** id of the visible question on the room screen, 0 when none */
} gv_questions;

#endif
