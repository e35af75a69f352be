/*
 * name_list.h - "a|b|c" lists of failure names in the tests' tables
 * (which checkers may name a variant's bug).
 */
#ifndef AC97SIM_TESTS_NAME_LIST_H
#define AC97SIM_TESTS_NAME_LIST_H

#include <stdbool.h>

/* Whether name is one of list's '|'-separated names, whole. */
bool name_in_list(const char *name, const char *list);

#endif
