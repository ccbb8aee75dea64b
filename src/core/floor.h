/*
 * The floor: speakers' list, speeches and their timers, speaking totals.
 * (Being built; see src/core/floor*.c.)
 */
#ifndef GV_CORE_FLOOR_H
#define GV_CORE_FLOOR_H

typedef struct gv_floor {
    int placeholder;
} gv_floor;

#endif
