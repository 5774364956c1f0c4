/* SPDX-License-Identifier: MIT */
/*
 * enum.h - an enum and the names of its values declared once, in one list:
 *
 *   #define SM_X_VALUES(X) X(SM_X_A, 0x0, "a") X(SM_X_B, 0x1, "b")
 *   enum sm_x { SM_X_VALUES(SM_ENUM_VALUE) };
 *   static const char *const names[] = {SM_X_VALUES(SM_ENUM_VALUE_NAME)};
 *
 * (then SM_ENUM_NAME(names, v, fallback) from lib/util.h looks a value up).
 */
#ifndef SM_ENUM_H
#define SM_ENUM_H

#define SM_ENUM_VALUE(id, value, name)      id = (value),
#define SM_ENUM_VALUE_NAME(id, value, name) [id] = (name),

#endif
