// The field limit after Host: the large_client_header_buffers of the server Host names.
#include "strata/web/host_field_limit.h"

#include <gtest/gtest.h>

#include "strata/config/parser.h"
#include "strata/web/config_builder.h"

namespace strata::web {
namespace {

MainConfig load(const std::string& servers) {
    auto tree = config::parse_text("http { " + servers + " }", "test.conf");
    EXPECT_TRUE(tree.ok());
    auto main = build_main_config(tree.value(), "/tmp/");
    EXPECT_TRUE(main.ok()) << main.error().message;
    return std::move(main).value();
}

TEST(HostFieldLimit, NoneWhenTheServersOfAnAddressAgree) {
    MainConfig main = load(
        "server { listen 127.0.0.1:1; server_name a; }"
        "server { listen 127.0.0.1:1; server_name b; large_client_header_buffers 2 8k; }");
    auto groups = group_by_listen_address(main.http);
    ASSERT_EQ(groups.size(), 1u);
    EXPECT_EQ(host_field_limit(groups[0]), nullptr);  // 8k both: nothing to ask
}

TEST(HostFieldLimit, TheServerHostNamesElseTheDefault) {
    MainConfig main = load(
        "server { listen 127.0.0.1:1; server_name a; }"
        "server { listen 127.0.0.1:1; server_name wide *.wide; large_client_header_buffers 4 16k; "
        "}");
    auto groups = group_by_listen_address(main.http);
    ASSERT_EQ(groups.size(), 1u);
    auto limit = host_field_limit(groups[0]);
    ASSERT_NE(limit, nullptr);
    EXPECT_EQ(limit->field_line_after("wide"), 16u * 1024);
    EXPECT_EQ(limit->field_line_after("WWW.Wide:8080"), 16u * 1024);  // as Host chooses
    EXPECT_EQ(limit->field_line_after("a"), 8u * 1024);
    EXPECT_EQ(limit->field_line_after("unknown"), 8u * 1024);  // the default server's
    EXPECT_EQ(limit->field_line_after("bad/host"), 8u * 1024);
}

}  // namespace
}  // namespace strata::web
