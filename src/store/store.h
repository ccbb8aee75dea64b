/* The event-log storage interface. (Being built.) */
#ifndef GV_STORE_STORE_H
#define GV_STORE_STORE_H
#endif
