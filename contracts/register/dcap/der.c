/* der.c — a DER TLV reader: every length is checked against the input. */
#include "dcap.h"

bool der_next(struct der *in, uint8_t *tag, struct der *content, struct der *whole)
{
    if (in->len < 2)
        return false;
    const uint8_t *p = in->p;
    size_t avail = in->len;
    uint8_t t = p[0];
    if ((t & 0x1f) == 0x1f) /* high tag numbers never occur in what we read */
        return false;
    size_t pos = 1;
    size_t len;
    uint8_t l0 = p[pos++];
    if (l0 < 0x80) {
        len = l0;
    } else {
        size_t nbytes = l0 & 0x7f;
        if (nbytes == 0 || nbytes > 4) /* indefinite or absurd */
            return false;
        if (avail - pos < nbytes)
            return false;
        len = 0;
        for (size_t i = 0; i < nbytes; i++)
            len = (len << 8) | p[pos++];
        if (len < 0x80) /* not minimal */
            return false;
    }
    if (len > avail - pos)
        return false;
    *tag = t;
    content->p = p + pos;
    content->len = len;
    if (whole) {
        whole->p = p;
        whole->len = pos + len;
    }
    in->p = p + pos + len;
    in->len = avail - pos - len;
    return true;
}

bool der_expect(struct der *in, uint8_t tag, struct der *content, struct der *whole)
{
    struct der save = *in;
    uint8_t t;
    if (!der_next(in, &t, content, whole) || t != tag) {
        *in = save;
        return false;
    }
    return true;
}

bool der_uint256(struct der c, uint8_t out[32])
{
    if (c.len == 0 || (c.p[0] & 0x80))
        return false;
    while (c.len > 1 && c.p[0] == 0) {
        c.p++;
        c.len--;
    }
    if (c.len > 32)
        return false;
    for (size_t i = 0; i < 32; i++)
        out[i] = 0;
    for (size_t i = 0; i < c.len; i++)
        out[32 - c.len + i] = c.p[i];
    return true;
}

bool der_small_uint(struct der c, uint32_t *out)
{
    if (c.len == 0 || c.len > 4 || (c.p[0] & 0x80))
        return false;
    uint32_t v = 0;
    for (size_t i = 0; i < c.len; i++)
        v = (v << 8) | c.p[i];
    *out = v;
    return true;
}

bool der_ecdsa_sig(struct der in, uint8_t rs[64])
{
    struct der seq, r, s;
    if (!der_expect(&in, DER_SEQUENCE, &seq, NULL) || in.len != 0)
        return false;
    if (!der_expect(&seq, DER_INTEGER, &r, NULL) || !der_expect(&seq, DER_INTEGER, &s, NULL) || seq.len != 0)
        return false;
    return der_uint256(r, rs) && der_uint256(s, rs + 32);
}
