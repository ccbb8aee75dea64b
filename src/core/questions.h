/*
 * Questions from the audience. (Being built; see src/core/questions.c.)
 */
#ifndef GV_CORE_QUESTIONS_H
#define GV_CORE_QUESTIONS_H

typedef struct gv_questions {
    int placeholder;
} gv_questions;

#endif
