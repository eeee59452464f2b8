/* The outbound address policy (src/hostapi/netpolicy.c): every range the
 * worker must refuse, IPv4 and IPv6 (IPv4-mapped, NAT64 and 6to4 forms
 * judged by their IPv4 part), and what --allow-private-urls admits. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cmocka.h>

#include "worker/worker.h"

static net_addr_class classify(const char *text)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    if (strchr(text, ':')) {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
        s6->sin6_family = AF_INET6;
        if (inet_pton(AF_INET6, text, &s6->sin6_addr) != 1)
            fail_msg("bad test address %s", text);
    } else {
        struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
        s4->sin_family = AF_INET;
        if (inet_pton(AF_INET, text, &s4->sin_addr) != 1)
            fail_msg("bad test address %s", text);
    }
    return net_addr_classify((struct sockaddr *)&ss);
}

typedef struct {
    const char *addr;
    net_addr_class want;
} row;

static void check_rows(const row *rows, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        net_addr_class got = classify(rows[i].addr);
        if (got != rows[i].want)
            fail_msg("%s: classified %s, expected %s", rows[i].addr, net_addr_class_name(got),
                     net_addr_class_name(rows[i].want));
    }
}

static void test_ipv4(void **st)
{
    (void)st;
    static const row rows[] = {
        {"0.0.0.0", NET_ADDR_UNSPECIFIED},
        {"0.1.2.3", NET_ADDR_UNSPECIFIED},
        {"127.0.0.1", NET_ADDR_LOOPBACK},
        {"127.255.255.254", NET_ADDR_LOOPBACK},
        {"10.0.0.1", NET_ADDR_PRIVATE},
        {"10.255.255.255", NET_ADDR_PRIVATE},
        {"172.16.0.1", NET_ADDR_PRIVATE},
        {"172.31.255.255", NET_ADDR_PRIVATE},
        {"172.15.255.255", NET_ADDR_PUBLIC},
        {"172.32.0.0", NET_ADDR_PUBLIC},
        {"192.168.1.1", NET_ADDR_PRIVATE},
        {"192.169.0.1", NET_ADDR_PUBLIC},
        {"100.64.0.1", NET_ADDR_CGNAT},
        {"100.127.255.255", NET_ADDR_CGNAT},
        {"100.63.255.255", NET_ADDR_PUBLIC},
        {"100.128.0.0", NET_ADDR_PUBLIC},
        {"169.254.169.254", NET_ADDR_LINK_LOCAL},
        {"169.254.0.1", NET_ADDR_LINK_LOCAL},
        {"224.0.0.1", NET_ADDR_MULTICAST},
        {"239.255.255.250", NET_ADDR_MULTICAST},
        {"240.0.0.1", NET_ADDR_RESERVED},
        {"255.255.255.255", NET_ADDR_RESERVED},
        {"192.0.2.1", NET_ADDR_RESERVED},
        {"198.18.0.1", NET_ADDR_RESERVED},
        {"8.8.8.8", NET_ADDR_PUBLIC},
        {"1.1.1.1", NET_ADDR_PUBLIC},
        {"93.184.216.34", NET_ADDR_PUBLIC},
        {"126.255.255.255", NET_ADDR_PUBLIC},
        {"128.0.0.1", NET_ADDR_PUBLIC},
    };
    check_rows(rows, sizeof rows / sizeof *rows);
}

static void test_ipv6(void **st)
{
    (void)st;
    static const row rows[] = {
        {"::", NET_ADDR_UNSPECIFIED},
        {"::1", NET_ADDR_LOOPBACK},
        {"fe80::1", NET_ADDR_LINK_LOCAL},
        {"febf::1", NET_ADDR_LINK_LOCAL},
        {"fc00::1", NET_ADDR_PRIVATE},
        {"fd12:3456::1", NET_ADDR_PRIVATE},
        {"fec0::1", NET_ADDR_PRIVATE},
        {"ff02::1", NET_ADDR_MULTICAST},
        {"2001:db8::1", NET_ADDR_RESERVED},
        {"2001:0:4136:e378::1", NET_ADDR_RESERVED}, /* Teredo */
        {"2606:4700:4700::1111", NET_ADDR_PUBLIC},
        {"2a00:1450:4001::200e", NET_ADDR_PUBLIC},
        /* IPv4 inside IPv6 is judged by the IPv4 address */
        {"::ffff:127.0.0.1", NET_ADDR_LOOPBACK},
        {"::ffff:10.1.2.3", NET_ADDR_PRIVATE},
        {"::ffff:169.254.169.254", NET_ADDR_LINK_LOCAL},
        {"::ffff:0.0.0.0", NET_ADDR_UNSPECIFIED},
        {"::ffff:8.8.8.8", NET_ADDR_PUBLIC},
        {"64:ff9b::7f00:1", NET_ADDR_LOOPBACK}, /* NAT64 of 127.0.0.1 */
        {"64:ff9b::808:808", NET_ADDR_PUBLIC},
        {"2002:7f00:1::1", NET_ADDR_LOOPBACK},      /* 6to4 of 127.0.0.1 */
        {"2002:a9fe:a9fe::1", NET_ADDR_LINK_LOCAL}, /* 6to4 of 169.254.169.254 */
        {"::127.0.0.1", NET_ADDR_RESERVED},         /* deprecated IPv4-compatible */
        {"100::1", NET_ADDR_RESERVED},
        {"4000::1", NET_ADDR_RESERVED}, /* outside 2000::/3 */
    };
    check_rows(rows, sizeof rows / sizeof *rows);
}

static void test_other_families_and_policy(void **st)
{
    (void)st;
    struct sockaddr_un un = {.sun_family = AF_UNIX};
    assert_int_equal(net_addr_classify((struct sockaddr *)&un), NET_ADDR_RESERVED);
    assert_int_equal(net_addr_classify(NULL), NET_ADDR_RESERVED);
    /* without the option only public addresses */
    assert_true(net_addr_allowed(NET_ADDR_PUBLIC, false));
    for (int c = NET_ADDR_LOOPBACK; c <= NET_ADDR_RESERVED; c++)
        assert_false(net_addr_allowed((net_addr_class)c, false));
    /* the option admits loopback, private and CGNAT, never the rest */
    assert_true(net_addr_allowed(NET_ADDR_LOOPBACK, true));
    assert_true(net_addr_allowed(NET_ADDR_PRIVATE, true));
    assert_true(net_addr_allowed(NET_ADDR_CGNAT, true));
    assert_false(net_addr_allowed(NET_ADDR_LINK_LOCAL, true));
    assert_false(net_addr_allowed(NET_ADDR_MULTICAST, true));
    assert_false(net_addr_allowed(NET_ADDR_UNSPECIFIED, true));
    assert_false(net_addr_allowed(NET_ADDR_RESERVED, true));
    assert_string_equal(net_addr_class_name(NET_ADDR_LINK_LOCAL), "link-local");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ipv4),
        cmocka_unit_test(test_ipv6),
        cmocka_unit_test(test_other_families_and_policy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
