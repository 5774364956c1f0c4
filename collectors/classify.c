/* SPDX-License-Identifier: MIT */
#include "classify.h"
