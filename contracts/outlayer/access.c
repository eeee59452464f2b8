/* access.c — AccessCondition (spec §3.2): JSON in, Borsh stored, JSON out.
 * The contract only stores conditions; the keystore evaluates them. */
#include "outlayer.h"

static const char *const VARIANTS[] = {"Logic",       "Not",       "AllowAll", "Whitelist", "AccountPattern",
                                       "NearBalance", "FtBalance", "NftOwned", "DaoMember"};
static const char *const CMP[] = {"Gte", "Lte", "Gt", "Lt", "Eq", "Ne"};

static int lookup(const char *name, size_t len, const char *const *names, int count)
{
    for (int i = 0; i < count; i++)
        if (strlen(names[i]) == len && memcmp(names[i], name, len) == 0)
            return i;
    return -1;
}

static int unit_enum(const struct jr_value *v, const char *const *names, int count, const char *what)
{
    const struct jr_value *body;
    const char *name = jr_variant(v, &body);
    size_t len = v->type == JR_STRING ? v->len : v->keys[0].len;
    if (body != NULL && body->type != JR_NULL)
        jr_fail("invalid type: expected unit variant");
    int i = lookup(name, len, names, count);
    if (i < 0)
        jr_fail(what);
    return i;
}

static void account_field(const struct jr_value *body, const char *key, struct buf *borsh, struct jw *json)
{
    const char *acc = jr_as_account(jr_req(body, key));
    bw_str(borsh, acc);
    jw_key(json, key);
    jw_cstr(json, acc);
}

static void string_field(const struct jr_value *body, const char *key, struct buf *borsh, struct jw *json)
{
    struct ol_str s = ol_json_str(jr_req(body, key));
    bw_bytes(borsh, s.s, s.n);
    jw_key(json, key);
    jw_str(json, s.s, s.n);
}

static void cmp_field(const struct jr_value *body, struct buf *borsh, struct jw *json)
{
    int op = unit_enum(jr_req(body, "operator"), CMP, 6,
                       "unknown variant, expected one of `Gte`, `Lte`, `Gt`, `Lt`, `Eq`, `Ne`");
    bw_u8(borsh, (uint8_t)op);
    jw_key(json, "operator");
    jw_cstr(json, CMP[op]);
}

static void token_field(const struct jr_value *body, struct buf *borsh, struct jw *json)
{
    u128 v = jr_as_u128_str(jr_req(body, "value"));
    bw_u128(borsh, v);
    jw_key(json, "value");
    jw_u128_str(json, v);
}

void ol_access_from_json(const struct jr_value *v, struct buf *borsh, struct jw *json)
{
    const struct jr_value *body;
    const char *name = jr_variant(v, &body);
    size_t len = v->type == JR_STRING ? v->len : v->keys[0].len;
    int tag = lookup(name, len, VARIANTS, 9);
    if (tag < 0)
        jr_fail("unknown variant, expected one of `Logic`, `Not`, `AllowAll`, `Whitelist`, `AccountPattern`, "
                "`NearBalance`, `FtBalance`, `NftOwned`, `DaoMember`");
    if (tag == 2) {
        if (body != NULL && body->type != JR_NULL)
            jr_fail("invalid type: expected unit variant");
        bw_u8(borsh, 2);
        jw_cstr(json, "AllowAll");
        return;
    }
    if (body == NULL)
        jr_fail("invalid type: unit variant, expected struct variant");
    jr_expect(body, JR_OBJECT);
    bw_u8(borsh, (uint8_t)tag);
    jw_obj_begin(json);
    jw_key(json, VARIANTS[tag]);
    jw_obj_begin(json);
    switch (tag) {
    case 0: { /* Logic */
        int op = unit_enum(jr_req(body, "operator"), (const char *const[]){"And", "Or"}, 2,
                           "unknown variant, expected `And` or `Or`");
        bw_u8(borsh, (uint8_t)op);
        jw_key(json, "operator");
        jw_cstr(json, op ? "Or" : "And");
        const struct jr_value *list = jr_req(body, "conditions");
        jr_expect(list, JR_ARRAY);
        bw_u32(borsh, (uint32_t)list->count);
        jw_key(json, "conditions");
        jw_arr_begin(json);
        for (size_t i = 0; i < list->count; i++)
            ol_access_from_json(&list->items[i], borsh, json);
        jw_arr_end(json);
        break;
    }
    case 1: /* Not */
        jw_key(json, "condition");
        ol_access_from_json(jr_req(body, "condition"), borsh, json);
        break;
    case 3: { /* Whitelist */
        const struct jr_value *list = jr_req(body, "accounts");
        jr_expect(list, JR_ARRAY);
        bw_u32(borsh, (uint32_t)list->count);
        jw_key(json, "accounts");
        jw_arr_begin(json);
        for (size_t i = 0; i < list->count; i++) {
            const char *acc = jr_as_account(&list->items[i]);
            bw_str(borsh, acc);
            jw_cstr(json, acc);
        }
        jw_arr_end(json);
        break;
    }
    case 4: /* AccountPattern */ string_field(body, "pattern", borsh, json); break;
    case 5: /* NearBalance */
        cmp_field(body, borsh, json);
        token_field(body, borsh, json);
        break;
    case 6: /* FtBalance */
        account_field(body, "contract", borsh, json);
        cmp_field(body, borsh, json);
        token_field(body, borsh, json);
        break;
    case 7: { /* NftOwned */
        account_field(body, "contract", borsh, json);
        const struct jr_value *t = jr_opt(body, "token_id");
        bw_bool(borsh, t != NULL);
        jw_key(json, "token_id");
        if (t) {
            struct ol_str s = ol_json_str(t);
            bw_bytes(borsh, s.s, s.n);
            jw_str(json, s.s, s.n);
        } else {
            jw_null(json);
        }
        break;
    }
    default: /* 8: DaoMember */
        account_field(body, "dao_contract", borsh, json);
        string_field(body, "role", borsh, json);
        break;
    }
    jw_obj_end(json);
    jw_obj_end(json);
}

static void str_out(struct br *r, struct jw *json, const char *key)
{
    size_t n;
    const char *s = br_str(r, &n);
    jw_key(json, key);
    jw_str(json, s, n);
}

static void cmp_out(struct br *r, struct jw *json)
{
    uint8_t op = br_u8(r);
    if (op > 5)
        br_fail(r);
    jw_key(json, "operator");
    jw_cstr(json, CMP[op]);
}

static void depth_guard(struct br *r, int depth)
{
    if (depth > JR_MAX_DEPTH)
        br_fail(r);
}

static void to_json(struct br *r, struct jw *json, int depth)
{
    depth_guard(r, depth);
    uint8_t tag = br_u8(r);
    if (tag > 8)
        br_fail(r);
    if (tag == 2) {
        jw_cstr(json, "AllowAll");
        return;
    }
    jw_obj_begin(json);
    jw_key(json, VARIANTS[tag]);
    jw_obj_begin(json);
    switch (tag) {
    case 0: {
        uint8_t op = br_u8(r);
        if (op > 1)
            br_fail(r);
        jw_key(json, "operator");
        jw_cstr(json, op ? "Or" : "And");
        uint32_t n = br_u32(r);
        jw_key(json, "conditions");
        jw_arr_begin(json);
        for (uint32_t i = 0; i < n; i++)
            to_json(r, json, depth + 1);
        jw_arr_end(json);
        break;
    }
    case 1:
        jw_key(json, "condition");
        to_json(r, json, depth + 1);
        break;
    case 3: {
        uint32_t n = br_u32(r);
        jw_key(json, "accounts");
        jw_arr_begin(json);
        for (uint32_t i = 0; i < n; i++) {
            size_t len;
            const char *s = br_str(r, &len);
            jw_str(json, s, len);
        }
        jw_arr_end(json);
        break;
    }
    case 4: str_out(r, json, "pattern"); break;
    case 5:
        cmp_out(r, json);
        jw_key(json, "value");
        jw_u128_str(json, br_u128(r));
        break;
    case 6:
        str_out(r, json, "contract");
        cmp_out(r, json);
        jw_key(json, "value");
        jw_u128_str(json, br_u128(r));
        break;
    case 7:
        str_out(r, json, "contract");
        if (br_option(r)) {
            str_out(r, json, "token_id");
        } else {
            jw_key(json, "token_id");
            jw_null(json);
        }
        break;
    default:
        str_out(r, json, "dao_contract");
        str_out(r, json, "role");
        break;
    }
    jw_obj_end(json);
    jw_obj_end(json);
}

void ol_access_to_json(struct br *r, struct jw *json) { to_json(r, json, 0); }
