/* SPDX-License-Identifier: MIT */
#include "regex.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/*
 * A recursive-descent walk over the ERE grammar regcomp parses (regcomp.c:
 * parse_reg_exp / parse_branch / parse_expression / parse_dup_op), counting
 * nodes with saturation at the bound. It only has to over-estimate: regcomp
 * still rejects what is not valid.
 */
struct walk {
        const char *p;
        unsigned depth;
};

static size_t add(size_t a, size_t b)
{
        return a > SM_REGEX_MAX_NODES || b > SM_REGEX_MAX_NODES || a + b > SM_REGEX_MAX_NODES
                       ? SIZE_MAX
                       : a + b;
}

static size_t mul(size_t a, size_t b)
{
        if (a == 0 || b == 0)
                return 0;
        return a > SM_REGEX_MAX_NODES / b ? SIZE_MAX : a * b;
}

static size_t alternation(struct walk *w);

/* [...]: one node whatever is inside ([:class:], [=e=], [.c.] included). */
static void skip_bracket(struct walk *w)
{
        w->p++; /* '[' */
        if (*w->p == '^')
                w->p++;
        if (*w->p == ']')
                w->p++;
        while (*w->p && *w->p != ']') {
                if (w->p[0] == '[' && (w->p[1] == ':' || w->p[1] == '=' || w->p[1] == '.')) {
                        char close = w->p[1];
                        const char *end = w->p + 2;

                        while (*end && !(end[0] == close && end[1] == ']'))
                                end++;
                        w->p = *end ? end + 2 : end;
                        continue;
                }
                w->p++;
        }
        if (*w->p)
                w->p++;
}

/* "{m}", "{m,}", "{m,n}", "{,n}" at w->p; false (w unchanged) when it is not one. */
static bool interval(struct walk *w, unsigned long *lo, unsigned long *hi, bool *open)
{
        const char *q = w->p + 1;
        unsigned long m = 0, n = 0;
        bool digits = false, comma = false, ndigits = false;

        for (; *q >= '0' && *q <= '9'; q++, digits = true)
                m = m > 100000 ? m : m * 10 + (unsigned long)(*q - '0');
        if (*q == ',') {
                comma = true;
                for (q++; *q >= '0' && *q <= '9'; q++, ndigits = true)
                        n = n > 100000 ? n : n * 10 + (unsigned long)(*q - '0');
        }
        if (*q != '}' || (!digits && !ndigits && !comma))
                return false;
        *lo = m;
        *hi = comma ? n : m;
        *open = comma && !ndigits;
        w->p = q + 1;
        return true;
}

/* One atom and the repetition operators after it. */
static size_t piece(struct walk *w)
{
        size_t size;

        switch (*w->p) {
        case '(':
                w->p++;
                if (++w->depth > 64)
                        return SIZE_MAX;
                size = add(alternation(w), 1);
                w->depth--;
                if (*w->p == ')')
                        w->p++;
                break;
        case '[':
                skip_bracket(w);
                size = 1;
                break;
        case '\\':
                w->p += w->p[1] ? 2 : 1;
                size = 1;
                break;
        default:
                w->p++;
                size = 1;
                break;
        }
        for (;;) {
                unsigned long lo, hi;
                bool open;

                if (*w->p == '*' || *w->p == '?') {
                        size = add(size, 1);
                        w->p++;
                } else if (*w->p == '+') {
                        size = add(mul(size, 2), 1); /* x+ is x x* */
                        w->p++;
                } else if (*w->p == '{' && interval(w, &lo, &hi, &open)) {
                        /* {m,n}: n copies; {m,}: m + 1; a bound over the cap saturates. */
                        unsigned long copies = open ? lo + 1 : (hi > lo ? hi : lo);

                        if (copies > SM_REGEX_MAX_NODES)
                                return SIZE_MAX;
                        size = add(mul(size, copies ? copies : 1), copies);
                } else {
                        return size;
                }
                if (size == SIZE_MAX)
                        return size;
        }
}

static size_t alternation(struct walk *w)
{
        size_t size = 0;

        while (*w->p && *w->p != ')') {
                if (*w->p == '|') {
                        w->p++;
                        size = add(size, 1);
                        continue;
                }
                size = add(size, piece(w));
                if (size == SIZE_MAX)
                        return size;
        }
        return size;
}

size_t sm_regex_cost(const char *pattern)
{
        struct walk w = {.p = pattern};
        size_t size = 0;

        if (strlen(pattern) > SM_REGEX_MAX_LEN)
                return SIZE_MAX;
        while (*w.p) {
                size = add(size, alternation(&w));
                if (size == SIZE_MAX)
                        return size;
                if (*w.p == ')')
                        w.p++; /* unbalanced: regcomp will say so */
        }
        return size;
}

int sm_regex_compile(regex_t *ret, const char *pattern, char *why, size_t whylen)
{
        int r;

        if (sm_regex_cost(pattern) == SIZE_MAX) {
                snprintf(why, whylen,
                         "too complex (at most %d characters, and repeats that would expand to "
                         "at most %d nodes: no repeats of repeats)",
                         SM_REGEX_MAX_LEN, SM_REGEX_MAX_NODES);
                return -EINVAL;
        }
        r = regcomp(ret, pattern, REG_EXTENDED | REG_NOSUB);
        if (r != 0) {
                regerror(r, ret, why, whylen);
                return -EINVAL;
        }
        return 0;
}
