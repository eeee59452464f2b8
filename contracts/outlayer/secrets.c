/* secrets.c — encrypted secrets bound to a repository or a WASM hash, with
 * storage deposits (spec §9). The payload is opaque to the contract. */
#include "outlayer.h"

#define STORAGE_PRICE_PER_BYTE ((u128)10000000000000000000ull) /* 10^19 */
#define INDEX_OVERHEAD 64u

struct accessor {
    bool is_wasm_hash;
    struct ol_str repo_or_hash;
    bool has_branch;
    struct ol_str branch;
};

struct profile_record {
    struct ol_str encrypted;
    const uint8_t *access_borsh;
    size_t access_len;
    uint64_t created_at, updated_at;
    u128 deposit;
};

static const struct lookup_map SECRETS = {OL_PREFIX_SECRETS, 1};
static const struct lookup_map INDEX = {OL_PREFIX_INDEX, 1};

static void parse_accessor(const struct jr_value *v, struct accessor *out)
{
    const struct jr_value *body;
    const char *name = jr_variant(v, &body);
    size_t len = v->type == JR_STRING ? v->len : v->keys[0].len;
    memset(out, 0, sizeof *out);
    if (body == NULL)
        jr_fail("invalid type: unit variant, expected struct variant");
    jr_expect(body, JR_OBJECT);
    if (len == 4 && memcmp(name, "Repo", 4) == 0) {
        out->repo_or_hash = ol_json_str(jr_req(body, "repo"));
        out->branch = ol_opt_str(body, "branch", &out->has_branch);
    } else if (len == 8 && memcmp(name, "WasmHash", 8) == 0) {
        out->is_wasm_hash = true;
        out->repo_or_hash = ol_json_str(jr_req(body, "hash"));
    } else {
        jr_fail("unknown variant, expected `Repo` or `WasmHash`");
    }
}

static void write_accessor_json(struct jw *w, const struct accessor *a)
{
    jw_obj_begin(w);
    if (a->is_wasm_hash) {
        jw_key(w, "WasmHash");
        jw_obj_begin(w);
        jw_key(w, "hash");
        jw_str(w, a->repo_or_hash.s, a->repo_or_hash.n);
    } else {
        jw_key(w, "Repo");
        jw_obj_begin(w);
        jw_key(w, "repo");
        jw_str(w, a->repo_or_hash.s, a->repo_or_hash.n);
        jw_key(w, "branch");
        if (a->has_branch)
            jw_str(w, a->branch.s, a->branch.n);
        else
            jw_null(w);
    }
    jw_obj_end(w);
    jw_obj_end(w);
}

static void debug_accessor(struct buf *b, const struct accessor *a)
{
    if (a->is_wasm_hash) {
        buf_str(b, "WasmHash { hash: ");
        ol_debug_str(b, a->repo_or_hash);
    } else {
        buf_str(b, "Repo { repo: ");
        ol_debug_str(b, a->repo_or_hash);
        buf_str(b, ", branch: ");
        if (a->has_branch) {
            buf_str(b, "Some(");
            ol_debug_str(b, a->branch);
            buf_byte(b, ')');
        } else {
            buf_str(b, "None");
        }
    }
    buf_str(b, " }");
}

/* borsh(SecretKey { accessor, profile, owner }) */
static void secret_key(struct buf *k, const struct accessor *a, struct ol_str profile, const char *owner)
{
    buf_init(k);
    bw_u8(k, a->is_wasm_hash ? 1 : 0);
    bw_bytes(k, a->repo_or_hash.s, a->repo_or_hash.n);
    if (!a->is_wasm_hash) {
        bw_bool(k, a->has_branch);
        if (a->has_branch)
            bw_bytes(k, a->branch.s, a->branch.n);
    }
    bw_bytes(k, profile.s, profile.n);
    bw_str(k, owner);
}

static void read_accessor(struct br *r, struct accessor *a)
{
    memset(a, 0, sizeof *a);
    uint8_t tag = br_u8(r);
    if (tag > 1)
        br_fail(r);
    a->is_wasm_hash = tag == 1;
    a->repo_or_hash.s = br_str(r, &a->repo_or_hash.n);
    if (!a->is_wasm_hash && (a->has_branch = br_option(r)))
        a->branch.s = br_str(r, &a->branch.n);
}

static bool load_record(const struct buf *key, struct profile_record *rec)
{
    size_t len;
    uint8_t *raw = lookup_map_get(&SECRETS, key->data, key->len, &len);
    if (raw == NULL)
        return false;
    struct br r;
    br_init(&r, raw, len);
    rec->encrypted.s = br_str(&r, &rec->encrypted.n);
    /* The access condition is self-delimiting; decode it to find its end. */
    size_t start = r.pos;
    struct buf scratch;
    struct jw w;
    buf_init(&scratch);
    jw_init(&w, &scratch);
    ol_access_to_json(&r, &w);
    rec->access_borsh = raw + start;
    rec->access_len = r.pos - start;
    rec->created_at = br_u64(&r);
    rec->updated_at = br_u64(&r);
    rec->deposit = br_u128(&r);
    return true;
}

static void save_record(const struct buf *key, const struct profile_record *rec)
{
    struct buf v;
    buf_init(&v);
    bw_bytes(&v, rec->encrypted.s, rec->encrypted.n);
    buf_put(&v, rec->access_borsh, rec->access_len);
    bw_u64(&v, rec->created_at);
    bw_u64(&v, rec->updated_at);
    bw_u128(&v, rec->deposit);
    lookup_map_insert(&SECRETS, key->data, key->len, v.data, v.len);
}

static void write_access_json(struct jw *w, const uint8_t *borsh, size_t len)
{
    struct br r;
    br_init(&r, borsh, len);
    ol_access_to_json(&r, w);
}

/* Spec §9.5: bytes of the record as stored, plus the index entry if new. */
static u128 storage_cost(size_t key_len, size_t encrypted_len, size_t access_json_len, bool is_new)
{
    u128 size = 40 + (u128)key_len + (4 + (u128)encrypted_len) + ((u128)access_json_len + 10) + 32;
    if (is_new)
        size += INDEX_OVERHEAD;
    return u128_mul(size, STORAGE_PRICE_PER_BYTE);
}

/* ---- the per-owner index: UnorderedSet<SecretKey> ---- */

static void owner_key(struct buf *k, const char *owner)
{
    buf_init(k);
    bw_str(k, owner);
}

static bool load_index(const char *owner, struct unordered_set *set)
{
    struct buf k;
    size_t len;
    owner_key(&k, owner);
    uint8_t *raw = lookup_map_get(&INDEX, k.data, k.len, &len);
    if (raw == NULL)
        return false;
    struct br r;
    br_init(&r, raw, len);
    unordered_set_read(&r, set);
    return true;
}

static void save_index(const char *owner, const struct unordered_set *set)
{
    struct buf k, v;
    owner_key(&k, owner);
    buf_init(&v);
    unordered_set_write(&v, set);
    lookup_map_insert(&INDEX, k.data, k.len, v.data, v.len);
}

static void index_add(const char *owner, const struct buf *key)
{
    struct unordered_set set;
    if (!load_index(owner, &set)) {
        /* Prefix borsh(StorageKey::UserSecretsList { account_id }) */
        struct buf p;
        buf_init(&p);
        bw_u8(&p, 3);
        bw_str(&p, owner);
        unordered_set_new(&set, p.data, p.len);
    }
    unordered_set_insert(&set, key->data, key->len);
    save_index(owner, &set);
}

static void index_remove(const char *owner, const struct buf *key)
{
    struct unordered_set set;
    if (!load_index(owner, &set))
        return;
    unordered_set_remove(&set, key->data, key->len);
    if (set.elements.len == 0) {
        struct buf k;
        size_t len;
        owner_key(&k, owner);
        lookup_map_remove(&INDEX, k.data, k.len, &len);
    } else {
        save_index(owner, &set);
    }
}

/* ---- validation ---- */

static bool is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

static void validate(const struct accessor *a, struct ol_str profile, struct ol_str encrypted)
{
    if (!a->is_wasm_hash) {
        if (a->repo_or_hash.n == 0)
            sdk_panic("Repository cannot be empty");
        if (a->has_branch) {
            if (a->branch.n == 0)
                sdk_panic("Branch name cannot be empty if provided");
            if (a->branch.n > 255)
                sdk_panic("Branch name too long (max 255 chars)");
        }
    } else {
        if (a->repo_or_hash.n == 0)
            sdk_panic("WASM hash cannot be empty");
        if (a->repo_or_hash.n != 64)
            sdk_panic("WASM hash must be 64 hex characters (SHA256)");
        for (size_t i = 0; i < 64; i++)
            if (!is_hex(a->repo_or_hash.s[i]))
                sdk_panic("WASM hash must be hex encoded");
    }
    if (profile.n == 0)
        sdk_panic("Profile cannot be empty");
    if (profile.n > 64)
        sdk_panic("Profile name too long (max 64 chars)");
    /* Fix: ASCII letters and digits only (the reference accepted any
     * Unicode alphanumeric, e.g. look-alike letters). */
    for (size_t i = 0; i < profile.n; i++) {
        char c = profile.s[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
        if (!ok)
            sdk_panic("Profile name must contain only alphanumeric, dash, or underscore");
    }
    if (encrypted.n == 0)
        sdk_panic("Encrypted secrets cannot be empty");
}

/* ---- argument parsing and log lines shared by the methods ---- */

/* Every secrets method names its target first: which code may read the
 * secret (accessor) and under which profile. */
static void parse_target(const struct jr_value *args, struct accessor *acc, struct ol_str *profile)
{
    parse_accessor(jr_req(args, "accessor"), acc);
    *profile = ol_json_str(jr_req(args, "profile"));
}

/* The views name whose secret they mean: accessor, profile, then owner. */
static const char *parse_owned_target(const struct jr_value *args, struct accessor *acc, struct ol_str *profile)
{
    parse_target(args, acc, profile);
    return jr_as_account(jr_req(args, "owner"));
}

/* Parses an access condition into its stored borsh form and returns the
 * length of its JSON form, which the storage cost counts (spec §9.5). */
static size_t parse_access(const struct jr_value *v, struct buf *borsh)
{
    struct buf json;
    struct jw w;
    buf_init(borsh);
    buf_init(&json);
    jw_init(&w, &json);
    ol_access_from_json(v, borsh, &w);
    return json.len;
}

/* "<event>: accessor=<Debug form>, profile=<profile>", the start of every
 * log line the reference writes about one secret. */
static void log_target(struct buf *b, const char *event, const struct accessor *acc, struct ol_str profile)
{
    buf_str(b, event);
    buf_str(b, ": accessor=");
    debug_accessor(b, acc);
    buf_str(b, ", profile=");
    ol_buf_str(b, profile);
}

/* ---- methods ---- */

SDK_EXPORT(store_secrets) void ol_store_secrets(void)
{
    const struct jr_value *a = sdk_args();
    struct accessor acc;
    struct ol_str profile;
    parse_target(a, &acc, &profile);
    struct ol_str encrypted = ol_json_str(jr_req(a, "encrypted_secrets_base64"));
    struct buf access_borsh;
    size_t access_json_len = parse_access(jr_req(a, "access"), &access_borsh);
    struct ol_state st;
    ol_state_load(&st);

    validate(&acc, profile, encrypted);
    const char *owner = sdk_predecessor();
    struct buf key;
    secret_key(&key, &acc, profile, owner);
    struct profile_record old;
    bool exists = load_record(&key, &old);
    u128 required = storage_cost(key.len, encrypted.n, access_json_len, !exists);
    u128 attached = sdk_attached_deposit();
    uint64_t now = sdk_block_timestamp();
    struct buf b;
    buf_init(&b);
    if (!exists) {
        if (attached < required) {
            buf_str(&b, "Insufficient storage deposit. Required: ");
            buf_u128(&b, required);
            buf_str(&b, " yoctoNEAR, attached: ");
            buf_u128(&b, attached);
            buf_str(&b, " yoctoNEAR");
            sdk_panic_buf(&b);
        }
        if (attached > required)
            promise_transfer(owner, attached - required);
    } else {
        u128 available = u128_add(attached, old.deposit);
        if (available < required) {
            buf_str(&b, "Insufficient deposit for update. Required: ");
            buf_u128(&b, required);
            buf_str(&b, " yoctoNEAR, available (attached ");
            buf_u128(&b, attached);
            buf_str(&b, " + old ");
            buf_u128(&b, old.deposit);
            buf_str(&b, "): ");
            buf_u128(&b, available);
            buf_str(&b, " yoctoNEAR");
            sdk_panic_buf(&b);
        }
        u128 refund = available - required;
        if (refund > 0)
            promise_transfer(owner, refund);
        log_target(&b, "Updating secrets", &acc, profile);
        buf_str(&b, ", old_deposit=");
        buf_u128(&b, old.deposit);
        buf_str(&b, ", attached=");
        buf_u128(&b, attached);
        buf_str(&b, ", new_required=");
        buf_u128(&b, required);
        buf_str(&b, ", refund=");
        buf_u128(&b, refund);
        sdk_log_buf(&b);
    }
    struct profile_record rec;
    rec.encrypted = encrypted;
    rec.access_borsh = access_borsh.data;
    rec.access_len = access_borsh.len;
    /* Fix: an update keeps the original created_at (the reference reset it). */
    rec.created_at = exists ? old.created_at : now;
    rec.updated_at = now;
    rec.deposit = required;
    save_record(&key, &rec);
    if (!exists)
        index_add(owner, &key);
    buf_init(&b);
    log_target(&b, "Secrets stored", &acc, profile);
    buf_str(&b, ", owner=");
    buf_str(&b, owner);
    buf_str(&b, ", deposit=");
    buf_u128(&b, required);
    buf_str(&b, " yoctoNEAR");
    sdk_log_buf(&b);
    ol_state_save(&st);
}

SDK_EXPORT(delete_secrets) void ol_delete_secrets(void)
{
    sdk_require_no_deposit("delete_secrets");
    struct accessor acc;
    struct ol_str profile;
    parse_target(sdk_args(), &acc, &profile);
    struct ol_state st;
    ol_state_load(&st);
    const char *owner = sdk_predecessor();
    struct buf key;
    secret_key(&key, &acc, profile, owner);
    struct profile_record rec;
    if (!load_record(&key, &rec))
        sdk_panic("Secrets not found");
    size_t len;
    lookup_map_remove(&SECRETS, key.data, key.len, &len);
    index_remove(owner, &key);
    struct buf b;
    buf_init(&b);
    if (rec.deposit > 0) {
        promise_transfer(owner, rec.deposit);
        buf_str(&b, "Refunded ");
        buf_u128(&b, rec.deposit);
        buf_str(&b, " yoctoNEAR");
        sdk_log_buf(&b);
        buf_init(&b);
    }
    log_target(&b, "Secrets deleted", &acc, profile);
    buf_str(&b, ", owner=");
    buf_str(&b, owner);
    sdk_log_buf(&b);
    ol_state_save(&st);
}

SDK_EXPORT(update_access) void ol_update_access(void)
{
    sdk_require_no_deposit("update_access");
    const struct jr_value *a = sdk_args();
    struct accessor acc;
    struct ol_str profile;
    parse_target(a, &acc, &profile);
    struct buf access_borsh;
    parse_access(jr_req(a, "new_access"), &access_borsh);
    struct ol_state st;
    ol_state_load(&st);
    struct buf key;
    secret_key(&key, &acc, profile, sdk_predecessor());
    struct profile_record rec;
    if (!load_record(&key, &rec))
        sdk_panic("Secrets not found");
    rec.access_borsh = access_borsh.data;
    rec.access_len = access_borsh.len;
    rec.updated_at = sdk_block_timestamp();
    save_record(&key, &rec);
    struct buf b;
    buf_init(&b);
    log_target(&b, "Access control updated", &acc, profile);
    sdk_log_buf(&b);
    ol_state_save(&st);
}

/* ---- views ---- */

static void write_view(struct jw *w, const struct profile_record *rec, const struct accessor *acc)
{
    jw_obj_begin(w);
    jw_key(w, "encrypted_secrets");
    jw_str(w, rec->encrypted.s, rec->encrypted.n);
    jw_key(w, "access");
    write_access_json(w, rec->access_borsh, rec->access_len);
    jw_key(w, "created_at");
    jw_u64(w, rec->created_at);
    jw_key(w, "updated_at");
    jw_u64(w, rec->updated_at);
    jw_key(w, "storage_deposit");
    jw_u128_str(w, rec->deposit);
    jw_key(w, "accessor");
    write_accessor_json(w, acc);
    jw_obj_end(w);
}

SDK_EXPORT(get_secrets) void ol_get_secrets(void)
{
    const struct jr_value *a = sdk_args();
    struct accessor acc;
    struct ol_str profile;
    const char *owner = parse_owned_target(a, &acc, &profile);
    struct ol_state st;
    ol_state_load(&st);
    struct buf key;
    struct profile_record rec;
    secret_key(&key, &acc, profile, owner);
    bool found = load_record(&key, &rec);
    if (!found && !acc.is_wasm_hash && acc.has_branch) {
        /* Fall back to the branch wildcard (branch: null). */
        acc.has_branch = false;
        secret_key(&key, &acc, profile, owner);
        found = load_record(&key, &rec);
    }
    struct sdk_reply reply;
    struct jw *w = sdk_reply_begin(&reply);
    if (found)
        write_view(w, &rec, &acc);
    else
        jw_null(w);
    sdk_reply_end(&reply);
}

SDK_EXPORT(secrets_exist) void ol_secrets_exist(void)
{
    const struct jr_value *a = sdk_args();
    struct accessor acc;
    struct ol_str profile;
    const char *owner = parse_owned_target(a, &acc, &profile);
    struct ol_state st;
    ol_state_load(&st);
    struct buf key;
    secret_key(&key, &acc, profile, owner);
    bool exists = lookup_map_contains(&SECRETS, key.data, key.len);
    sdk_return(exists ? "true" : "false", exists ? 4 : 5);
}

SDK_EXPORT(list_user_secrets) void ol_list_user_secrets(void)
{
    const struct jr_value *a = sdk_args();
    const char *account = jr_as_account(jr_req(a, "account_id"));
    struct ol_state st;
    ol_state_load(&st);
    struct sdk_reply reply;
    struct jw *w = sdk_reply_begin(&reply);
    jw_arr_begin(w);
    struct unordered_set set;
    if (load_index(account, &set)) {
        for (uint64_t i = 0; i < set.elements.len; i++) {
            size_t len;
            uint8_t *raw = vector_get(&set.elements, i, &len);
            if (raw == NULL)
                continue;
            struct buf key;
            buf_init(&key);
            buf_put(&key, raw, len);
            struct profile_record rec;
            if (!load_record(&key, &rec))
                continue;
            struct br r;
            br_init(&r, raw, len);
            struct accessor acc;
            read_accessor(&r, &acc);
            struct ol_str profile;
            profile.s = br_str(&r, &profile.n);
            jw_obj_begin(w);
            jw_key(w, "accessor");
            write_accessor_json(w, &acc);
            jw_key(w, "profile");
            jw_str(w, profile.s, profile.n);
            jw_key(w, "created_at");
            jw_u64(w, rec.created_at);
            jw_key(w, "updated_at");
            jw_u64(w, rec.updated_at);
            jw_key(w, "storage_deposit");
            jw_u128_str(w, rec.deposit);
            jw_key(w, "access");
            write_access_json(w, rec.access_borsh, rec.access_len);
            jw_obj_end(w);
        }
    }
    jw_arr_end(w);
    sdk_reply_end(&reply);
}

SDK_EXPORT(estimate_storage_cost) void ol_estimate_storage_cost(void)
{
    const struct jr_value *a = sdk_args();
    struct accessor acc;
    struct ol_str profile;
    const char *owner = parse_owned_target(a, &acc, &profile);
    struct ol_str encrypted = ol_json_str(jr_req(a, "encrypted_secrets_base64"));
    struct buf access_borsh;
    size_t access_json_len = parse_access(jr_req(a, "access"), &access_borsh);
    struct ol_state st;
    ol_state_load(&st);
    struct buf key;
    secret_key(&key, &acc, profile, owner);
    bool exists = lookup_map_contains(&SECRETS, key.data, key.len);
    struct sdk_reply reply;
    jw_u128_str(sdk_reply_begin(&reply), storage_cost(key.len, encrypted.n, access_json_len, !exists));
    sdk_reply_end(&reply);
}

SDK_EXPORT(list_profiles) void ol_list_profiles(void)
{
    const struct jr_value *a = sdk_args();
    ol_json_str(jr_req(a, "_repo"));
    const struct jr_value *br = jr_opt(a, "_branch");
    if (br)
        ol_json_str(br);
    struct ol_state st;
    ol_state_load(&st);
    sdk_log("WARNING: list_profiles requires indexing implementation");
    sdk_return("[]", 2);
}
