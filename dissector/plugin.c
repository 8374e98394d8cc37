/* Plugin entry points for Wireshark 4.0 (plugin_version, plugin_want_major,
 * plugin_want_minor, plugin_register). */
#include "dnp3kit-ws.h"

#include <epan/tap.h>
#include <ws_version.h>

WS_DLL_PUBLIC const gchar plugin_version[];
WS_DLL_PUBLIC const int plugin_want_major;
WS_DLL_PUBLIC const int plugin_want_minor;
WS_DLL_PUBLIC void plugin_register(void);

WS_DLL_PUBLIC_DEF const gchar plugin_version[] = DNP3KIT_PLUGIN_VERSION;
WS_DLL_PUBLIC_DEF const int plugin_want_major = WIRESHARK_VERSION_MAJOR;
WS_DLL_PUBLIC_DEF const int plugin_want_minor = WIRESHARK_VERSION_MINOR;

void plugin_register(void)
{
    static proto_plugin plug;
    plug.register_protoinfo = proto_register_dnp3kit;
    plug.register_handoff = proto_reg_handoff_dnp3kit;
    proto_register_plugin(&plug);

    static tap_plugin tap;
    tap.register_tap_listener = dk_register_stats;
    tap_register_plugin(&tap);
}
