/* SPDX-License-Identifier: MIT */
/*
 * drivedb.h - smartmontools' drive database (drivedb.h, a C initializer list
 * of { family, model regex, firmware regex, warning, presets } entries), parsed
 * once into plain data, and the lookup smartctl does with it: the first entry
 * whose model (and, if given, firmware) POSIX extended regex matches the whole
 * string wins; its `-v ID,FORMAT,NAME[,HDD|SSD]` presets name the attributes,
 * the DEFAULT entry names the rest.
 *
 * Pure code (libc only). Regexes are compiled, matched and freed one at a time
 * while matching a drive (callers cache the result per model+firmware); none is
 * kept compiled.
 */
#ifndef SM_DRIVEDB_H
#define SM_DRIVEDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sm_drivedb;

/* Largest file accepted (the 2022 database is 234 KB). */
#define SM_DRIVEDB_MAX_SIZE (8u * 1024 * 1024)

/* Parse a drivedb.h text. origin names it in errors ("PATH:LINE: ..."). Regexes
 * get a cheap shape check here (too costly to compile: an error); whether they
 * compile is found when a drive is matched (compiling all ~1500 at start would
 * cost more than matching). 0 or a negative errno with err set. */
int sm_drivedb_parse(const char *text, size_t len, const char *origin, struct sm_drivedb **ret,
                     char *err, size_t errlen);

/* Read and parse a file (regular file, at most SM_DRIVEDB_MAX_SIZE). */
int sm_drivedb_load(const char *path, struct sm_drivedb **ret, char *err, size_t errlen);

void sm_drivedb_free(struct sm_drivedb *db);

/* Entries parsed (VERSION, DEFAULT and USB entries included). */
size_t sm_drivedb_entries(const struct sm_drivedb *db);

/* "7.3 $Id: ..." from the VERSION entry, or "" */
const char *sm_drivedb_version(const struct sm_drivedb *db);

/* Attribute type restriction of a preset (",HDD" / ",SSD" suffix). */
enum sm_drivedb_type { SM_DRIVEDB_ANY = 0, SM_DRIVEDB_HDD, SM_DRIVEDB_SSD };

#define SM_DRIVEDB_NAME_MAX 32 /* smartctl allows 32 characters */

/* The result of matching one drive: plain data, copyable. */
struct sm_drivedb_match {
        bool in_db;                               /* an entry (other than DEFAULT) matched */
        char family[96];                          /* its family string ("" when it has none) */
        int entry;                                /* index of the entry, -1 when none */
        char names[256][SM_DRIVEDB_NAME_MAX + 1]; /* per attribute ID: the entry's name, "" */
};

/* Match model and firmware (as smartctl prints them: trimmed, inner spaces
 * kept). 0 (m->in_db says whether anything matched) or a negative errno
 * (a regex of an entry tried failed to compile or run: err says
 * "PATH:LINE: model: ..."). */
int sm_drivedb_match(const struct sm_drivedb *db, const char *model, const char *firmware,
                     struct sm_drivedb_match *m, char *err, size_t errlen);

/*
 * smartctl's name of attribute id for this drive (ata_get_smart_attr_name):
 * the matched entry's preset, else the DEFAULT entry's (an HDD-only default on
 * a drive that reports rotation rate 1 = SSD is "Unknown_SSD_Attribute", an
 * SSD-only one on a rotating drive "Unknown_HDD_Attribute"), else
 * "Unknown_Attribute". rotation: IDENTIFY word 217 (1 SSD, >1 rpm, 0 unknown).
 * m may be NULL (no match).
 */
const char *sm_drivedb_attr_name(const struct sm_drivedb *db, const struct sm_drivedb_match *m,
                                 uint8_t id, unsigned rotation);

#endif
