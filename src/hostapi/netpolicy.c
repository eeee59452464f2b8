/*
 * netpolicy.c — which addresses an outbound connection may reach (the worker's
 * WasmUrl downloads, src/worker/fetch.c, and programs' HTTP requests,
 * src/hostapi/http.c).
 *
 * A request on chain names the URL, so without a check anyone could make a
 * worker fetch from its own loopback services, the LAN, or a cloud metadata
 * endpoint (169.254.169.254). The check runs on the address libcurl is
 * about to connect to — after DNS resolution, for every redirect hop — so a
 * public name that resolves inside is refused too (fetch.c).
 *
 * --allow-private-urls (local development: `outlayer dev` serves programs
 * on 127.0.0.1) admits loopback, private (RFC 1918, IPv6 ULA) and CGNAT
 * addresses. Link-local (metadata endpoints), multicast, unspecified and
 * reserved addresses are refused even then.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "hostapi/netpolicy.h"

static net_addr_class classify_v4(const uint8_t a[4])
{
    uint32_t v = (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3];
#define IN_NET(net, bits) ((v >> (32 - (bits))) == ((uint32_t)(net) >> (32 - (bits))))
    if (IN_NET(0x00000000u, 8))
        return NET_ADDR_UNSPECIFIED; /* 0.0.0.0/8 "this network" */
    if (IN_NET(0x7f000000u, 8))
        return NET_ADDR_LOOPBACK; /* 127/8 */
    if (IN_NET(0x0a000000u, 8) || IN_NET(0xac100000u, 12) || IN_NET(0xc0a80000u, 16))
        return NET_ADDR_PRIVATE; /* RFC 1918 */
    if (IN_NET(0x64400000u, 10))
        return NET_ADDR_CGNAT; /* 100.64/10 */
    if (IN_NET(0xa9fe0000u, 16))
        return NET_ADDR_LINK_LOCAL; /* 169.254/16 */
    if (IN_NET(0xe0000000u, 4))
        return NET_ADDR_MULTICAST; /* 224/4 */
    if (IN_NET(0xf0000000u, 4))
        return NET_ADDR_RESERVED; /* 240/4, broadcast */
    if (IN_NET(0xc0000000u, 24) || IN_NET(0xc0000200u, 24) || IN_NET(0xc6336400u, 24) || IN_NET(0xcb007100u, 24) ||
        IN_NET(0xc6120000u, 15))
        return NET_ADDR_RESERVED; /* IETF assignments, documentation, benchmarking */
#undef IN_NET
    return NET_ADDR_PUBLIC;
}

static net_addr_class classify_v6(const uint8_t a[16])
{
    static const uint8_t zero[16] = {0};
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    static const uint8_t nat64[12] = {0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0};
    if (memcmp(a, zero, 16) == 0)
        return NET_ADDR_UNSPECIFIED; /* :: */
    if (memcmp(a, zero, 15) == 0 && a[15] == 1)
        return NET_ADDR_LOOPBACK; /* ::1 */
    /* addresses that carry an IPv4 address: judged by that address */
    if (memcmp(a, mapped, 12) == 0 || memcmp(a, nat64, 12) == 0)
        return classify_v4(a + 12);
    if (a[0] == 0x20 && a[1] == 0x02)
        return classify_v4(a + 2); /* 6to4 2002::/16 */
    if (memcmp(a, zero, 12) == 0)
        return NET_ADDR_RESERVED; /* ::a.b.c.d (deprecated) */
    if (a[0] == 0xff)
        return NET_ADDR_MULTICAST; /* ff00::/8 */
    if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80)
        return NET_ADDR_LINK_LOCAL; /* fe80::/10 */
    if (a[0] == 0xfe && (a[1] & 0xc0) == 0xc0)
        return NET_ADDR_PRIVATE; /* fec0::/10 site-local */
    if ((a[0] & 0xfe) == 0xfc)
        return NET_ADDR_PRIVATE; /* fc00::/7 ULA */
    if (a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x0d && a[3] == 0xb8)
        return NET_ADDR_RESERVED; /* 2001:db8::/32 */
    if (a[0] == 0x20 && a[1] == 0x01 && a[2] == 0 && a[3] == 0)
        return NET_ADDR_RESERVED; /* Teredo 2001::/32 */
    if (a[0] == 0x01 && a[1] == 0 && memcmp(a + 2, zero, 6) == 0)
        return NET_ADDR_RESERVED; /* 100::/64 discard */
    if ((a[0] & 0xe0) != 0x20)
        return NET_ADDR_RESERVED; /* outside 2000::/3, the global unicast space */
    return NET_ADDR_PUBLIC;
}

net_addr_class net_addr_classify(const struct sockaddr *sa)
{
    if (!sa)
        return NET_ADDR_RESERVED;
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
        uint8_t a[4];
        memcpy(a, &s4->sin_addr, 4);
        return classify_v4(a);
    }
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
        uint8_t a[16];
        memcpy(a, &s6->sin6_addr, 16);
        return classify_v6(a);
    }
    return NET_ADDR_RESERVED; /* unix sockets and anything else */
}

bool net_addr_allowed(net_addr_class c, bool allow_private)
{
    switch (c) {
    case NET_ADDR_PUBLIC: return true;
    case NET_ADDR_LOOPBACK:
    case NET_ADDR_PRIVATE:
    case NET_ADDR_CGNAT: return allow_private;
    default: return false;
    }
}

const char *net_addr_class_name(net_addr_class c)
{
    switch (c) {
    case NET_ADDR_PUBLIC: return "public";
    case NET_ADDR_LOOPBACK: return "loopback";
    case NET_ADDR_PRIVATE: return "private";
    case NET_ADDR_CGNAT: return "carrier-grade NAT";
    case NET_ADDR_LINK_LOCAL: return "link-local";
    case NET_ADDR_MULTICAST: return "multicast";
    case NET_ADDR_UNSPECIFIED: return "unspecified";
    case NET_ADDR_RESERVED: return "reserved";
    }
    return "unknown";
}
