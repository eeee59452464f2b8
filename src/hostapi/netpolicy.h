/*
 * netpolicy.h — which addresses an outbound connection may reach, judged on
 * the resolved address of every connection (so a public name that points
 * inside is refused too). Used by the worker's WasmUrl downloads and by the
 * programs' HTTP host API (outlayer_v1.http_request).
 */
#ifndef OUTLAYER_HOSTAPI_NETPOLICY_H
#define OUTLAYER_HOSTAPI_NETPOLICY_H

#include <stdbool.h>

struct sockaddr;
typedef enum {
    NET_ADDR_PUBLIC,
    NET_ADDR_LOOPBACK,    /* 127/8, ::1 */
    NET_ADDR_PRIVATE,     /* RFC 1918, fc00::/7, fec0::/10 */
    NET_ADDR_CGNAT,       /* 100.64/10 */
    NET_ADDR_LINK_LOCAL,  /* 169.254/16, fe80::/10 (cloud metadata endpoints) */
    NET_ADDR_MULTICAST,   /* 224/4, ff00::/8 */
    NET_ADDR_UNSPECIFIED, /* 0/8, :: */
    NET_ADDR_RESERVED,    /* 240/4, documentation, non-IP, ... */
} net_addr_class;
/* IPv4-mapped, NAT64 and 6to4 IPv6 addresses are judged by their IPv4 part. */
net_addr_class net_addr_classify(const struct sockaddr *sa);
/* Public always; loopback, private and CGNAT only with allow_private. */
bool net_addr_allowed(net_addr_class c, bool allow_private);
const char *net_addr_class_name(net_addr_class c);

#endif
