/* SPDX-License-Identifier: MIT */
/*
 * render_json.c - the JSON API bodies, generically from the declarations
 * (collectors/metric.h): each reading lands where its sm_json says, in the
 * order the readings come (state, then "health", then the protocol's section).
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "collectors/collector.h"
#include "render.h"

struct json_ctx {
        cJSON *root;
        const char *section; /* the section `obj` is (NULL: root) */
        cJSON *obj;
        const char *array_name; /* the array `array` is, in `obj` */
        cJSON *array;
        cJSON *row; /* the current object of an array of objects */
        unsigned row_index;
        bool failed;
};

static bool same(const char *a, const char *b)
{
        return a == b || (a && b && strcmp(a, b) == 0);
}

static cJSON *section_of(struct json_ctx *c, const char *section)
{
        cJSON *o;

        if (c->obj && same(c->section, section))
                return c->obj;
        c->array_name = NULL;
        c->array = c->row = NULL;
        c->section = section;
        if (!section)
                return c->obj = c->root;
        /* "a/b": object b inside object a (created in the order readings come) */
        o = c->root;
        for (const char *p = section; o && *p;) {
                const char *slash = strchr(p, '/');
                size_t n = slash ? (size_t)(slash - p) : strlen(p);
                char key[64];
                cJSON *child;

                if (n == 0 || n >= sizeof(key))
                        return c->obj = NULL;
                memcpy(key, p, n);
                key[n] = '\0';
                child = cJSON_GetObjectItemCaseSensitive(o, key);
                if (!child)
                        child = cJSON_AddObjectToObject(o, key);
                o = child;
                p = slash ? slash + 1 : p + n;
        }
        return c->obj = o;
}

static cJSON *array_of(struct json_ctx *c, cJSON *obj, const char *name)
{
        cJSON *a;

        if (c->array && same(c->array_name, name))
                return c->array;
        a = cJSON_GetObjectItemCaseSensitive(obj, name);
        if (!a)
                a = cJSON_AddArrayToObject(obj, name);
        c->array_name = name;
        c->row = NULL;
        return c->array = a;
}

/* The JSON value of a reading, or NULL when it is left out. ret_null: it is a null. */
static cJSON *value_of(const struct sm_reading *r, const struct sm_json *j)
{
        bool absent = !r->present;

        if (j->kind == SM_JSON_STRING)
                absent = absent || !r->str || ((j->flags & SM_JSON_NULL) && !r->str[0]);
        if (absent)
                return cJSON_CreateNull();
        switch (j->kind) {
        case SM_JSON_NUMBER:
                return cJSON_CreateNumber(r->value);
        case SM_JSON_BOOL:
                return cJSON_CreateBool(r->value != 0);
        case SM_JSON_STRING:
                return cJSON_CreateString(r->str);
        case SM_JSON_NONE:
                break;
        }
        return NULL;
}

static bool add(cJSON *into, const char *key, cJSON *v)
{
        if (!v)
                return false;
        if (key ? cJSON_AddItemToObject(into, key, v) : cJSON_AddItemToArray(into, v))
                return true;
        cJSON_Delete(v);
        return false;
}

static bool add_reading(cJSON *into, const struct sm_reading *r, const struct sm_json *j)
{
        char skey[128];

        /* Without SM_JSON_NULL an absent value is left out (arrays keep their slots). */
        if (!r->present && !(j->flags & SM_JSON_NULL) && j->key)
                return true;
        if (!add(into, j->key, value_of(r, j)))
                return false;
        if (!(j->flags & SM_JSON_EXACT) || !r->present || !j->key)
                return true;
        snprintf(skey, sizeof(skey), "%s_string", j->key);
        return add(into, skey, cJSON_CreateString(r->exact ? r->exact : ""));
}

static void json_emit(void *opaque, const struct sm_reading *r)
{
        struct json_ctx *c = opaque;
        const struct sm_json *j = &r->desc->json;
        cJSON *into;

        if (j->kind == SM_JSON_NONE || c->failed)
                return;
        into = section_of(c, j->section);
        if (into && j->array) {
                into = array_of(c, into, j->array);
                if (into && j->key && (!c->row || c->row_index != r->row)) {
                        cJSON *row = cJSON_CreateObject();

                        c->row = add(into, NULL, row) ? row : NULL;
                        c->row_index = r->row;
                        into = c->row;
                } else if (into && j->key) {
                        into = c->row;
                }
        }
        if (!into || !add_reading(into, r, j))
                c->failed = true;
}

static cJSON *json_device(const struct sm_device_state *d)
{
        struct json_ctx c = {.root = cJSON_CreateObject()};

        if (!c.root)
                return NULL;
        for (size_t k = 0; sm_sources[k]; k++) {
                if (!sm_sources[k]->needs_data || d->have_data)
                        sm_sources[k]->readings(d, json_emit, &c);
        }
        /* Before the first successful read: "health": null, and no protocol section. */
        if (!d->have_data && !cJSON_AddNullToObject(c.root, "health"))
                c.failed = true;
        if (c.failed) {
                cJSON_Delete(c.root);
                return NULL;
        }
        return c.root;
}

int sm_render_json_protocol(cJSON *obj, const struct sm_device_state *d)
{
        struct json_ctx c = {.root = obj};
        const struct sm_collector *col = sm_collector_for(d->id.proto);

        if (!obj || !d->have_data || !col || !col->readings)
                return 0;
        col->readings(&d->health, json_emit, &c);
        return c.failed ? -ENOMEM : 0;
}

static int print_body(cJSON *o, struct sm_body *ret)
{
        char *p = cJSON_PrintUnformatted(o);

        *ret = (struct sm_body){0};
        if (!p)
                return -ENOMEM;
        ret->data = p;
        ret->len = strlen(p);
        return 0;
}

static int json_list(const struct sm_view *v, const struct sm_body *devs, struct sm_body *ret)
{
        struct sm_buf b;

        sm_buf_init(&b);
        sm_buf_printf(&b,
                      "{\"generation\":%llu,\"ready\":%s,\"collection_timestamp\":%.3f,"
                      "\"devices\":[",
                      (unsigned long long)v->generation, v->ready ? "true" : "false",
                      v->stats->collection_ts);
        for (size_t i = 0; i < v->n_devices; i++) {
                if (i > 0)
                        sm_buf_puts(&b, ",");
                sm_buf_append(&b, devs[i].data, devs[i].len);
        }
        sm_buf_puts(&b, "]}");
        *ret = (struct sm_body){0};
        ret->data = sm_buf_steal(&b, &ret->len);
        return ret->data ? 0 : -ENOMEM;
}

int sm_render_json(const struct sm_view *v, struct sm_body *ret_devices, struct sm_body *ret_list)
{
        for (size_t i = 0; i < v->n_devices; i++) {
                cJSON *o = json_device(&v->devices[i]);
                int r;

                if (!o)
                        return -ENOMEM;
                r = print_body(o, &ret_devices[i]);
                cJSON_Delete(o);
                if (r < 0)
                        return r;
        }
        return json_list(v, ret_devices, ret_list);
}
