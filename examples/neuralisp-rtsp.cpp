/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* neuralisp-rtsp: a cleaned camera for the network. A camera (or, without one, a built-in live
 * test source with camera noise added) goes through a chain of the suite's elements and is served
 * over RTSP to any number of clients. The media is shared: one capture, one chain and one encoder
 * serve every client, so a second viewer costs only its network traffic.
 *
 *   neuralisp-rtsp [--device /dev/video0 | --test-source] [--chain "ispdenoise"]
 *                  [--address 0.0.0.0] [--port 8554] [--mount /camera]
 *                  [--width 640 --height 480 --framerate 30]
 *
 * Prints the address to open (port 0 picks a free port), then serves until Ctrl-C.
 */
#include <gst/gst.h>
#include <gst/rtsp-server/rtsp-server.h>
#include <glib-unix.h>

#include <string>

#include "programs.h"

namespace {

constexpr const char* kDefaultDevice = "/dev/video0";

struct Options {
  std::string device = kDefaultDevice;
  bool test_source = false;
  std::string chain = "ispdenoise";
  std::string address = "0.0.0.0";
  std::string port = "8554";
  std::string mount = "/camera";
  int width = 640, height = 480, framerate = 30;
};

bool parse_options(int argc, char** argv, Options* o) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    const char* v = nullptr;
    if (arg == "--device" && (v = value())) o->device = v;
    else if (arg == "--test-source") o->test_source = true;
    else if (arg == "--chain" && (v = value())) o->chain = v;
    else if (arg == "--address" && (v = value())) o->address = v;
    else if (arg == "--port" && (v = value())) o->port = v;
    else if (arg == "--mount" && (v = value())) o->mount = v;
    else if (arg == "--width" && (v = value())) o->width = std::atoi(v);
    else if (arg == "--height" && (v = value())) o->height = std::atoi(v);
    else if (arg == "--framerate" && (v = value())) o->framerate = std::atoi(v);
    else return false;
  }
  if (o->mount.empty() || o->mount[0] != '/') o->mount = "/" + o->mount;
  return o->width > 0 && o->height > 0 && o->framerate > 0;
}

// The media's launch line: source, chain, encoder and payloader. H.264 where x264enc is installed
// (every RTSP client plays it), VP8 otherwise.
std::string media_description(const Options& o, std::string* codec) {
  gchar* caps = g_strdup_printf("video/x-raw,width=%d,height=%d,framerate=%d/1", o.width, o.height, o.framerate);
  std::string source = o.test_source
                           ? std::string("videotestsrc is-live=true pattern=ball ! ") + caps +
                                 " ! ispdegrade camera-noise=0.5"
                           : "v4l2src device=" + launch_quoted(o.device) + " ! videoconvert ! videoscale ! videorate ! " + caps;
  g_free(caps);
  std::string encoder;
  if (has_element("x264enc")) {
    *codec = "H.264";
    encoder = "x264enc tune=zerolatency speed-preset=ultrafast key-int-max=30 ! rtph264pay name=pay0 pt=96 config-interval=1";
  } else {
    *codec = "VP8";
    encoder = "vp8enc deadline=1 cpu-used=8 keyframe-max-dist=30 ! rtpvp8pay name=pay0 pt=96";
  }
  return "( " + source + " ! queue max-size-buffers=2 leaky=downstream ! videoconvert ! " + o.chain +
         " ! videoconvert ! " + encoder + " )";
}

gboolean on_interrupt(gpointer loop) {
  g_main_loop_quit(static_cast<GMainLoop*>(loop));
  return G_SOURCE_REMOVE;
}

// Once per pipeline: with a shared factory, once for all clients of the mount.
void on_media(GstRTSPMediaFactory*, GstRTSPMedia*, gpointer) { g_print("media pipeline built\n"); }

void on_client(GstRTSPServer*, GstRTSPClient* client, gpointer) {
  GstRTSPConnection* connection = gst_rtsp_client_get_connection(client);
  g_print("client connected from %s\n", connection ? gst_rtsp_connection_get_ip(connection) : "?");
}

}  // namespace

int main(int argc, char** argv) {
  start_program(&argc, &argv);
  Options options;
  if (!parse_options(argc, argv, &options)) {
    g_printerr("usage: %s [--device /dev/videoN | --test-source] [--chain \"ELEMENT ! ...\"] [--address ADDR] "
               "[--port N] [--mount /PATH] [--width W --height H --framerate FPS]\n",
               argv[0]);
    return 2;
  }
  if (!options.test_source && !g_file_test(options.device.c_str(), G_FILE_TEST_EXISTS)) {
    if (options.device != kDefaultDevice) {
      g_printerr("neuralisp-rtsp: %s does not exist\n", options.device.c_str());
      return 1;
    }
    g_print("no camera at %s: serving the built-in test source\n", kDefaultDevice);
    options.test_source = true;
  }
  if (!chain_builds("neuralisp-rtsp", options.chain)) return 2;

  std::string codec;
  const std::string description = media_description(options, &codec);
  GstRTSPServer* server = gst_rtsp_server_new();
  gst_rtsp_server_set_address(server, options.address.c_str());
  gst_rtsp_server_set_service(server, options.port.c_str());
  GstRTSPMediaFactory* factory = gst_rtsp_media_factory_new();
  gst_rtsp_media_factory_set_launch(factory, description.c_str());
  // One pipeline for every client: captured, processed and encoded once.
  gst_rtsp_media_factory_set_shared(factory, TRUE);
  g_signal_connect(factory, "media-configure", G_CALLBACK(on_media), nullptr);
  GstRTSPMountPoints* mounts = gst_rtsp_server_get_mount_points(server);
  gst_rtsp_mount_points_add_factory(mounts, options.mount.c_str(), factory);
  g_object_unref(mounts);
  g_signal_connect(server, "client-connected", G_CALLBACK(on_client), nullptr);

  const guint source = gst_rtsp_server_attach(server, nullptr);
  if (source == 0) {
    g_printerr("neuralisp-rtsp: cannot listen on %s port %s\n", options.address.c_str(), options.port.c_str());
    g_object_unref(server);
    return 1;
  }
  const char* shown = options.address == "0.0.0.0" ? "127.0.0.1" : options.address.c_str();
  g_print("serving rtsp://%s:%d%s (%s, %dx%d at %d fps, chain: %s)\n", shown, gst_rtsp_server_get_bound_port(server),
          options.mount.c_str(), codec.c_str(), options.width, options.height, options.framerate, options.chain.c_str());

  GMainLoop* loop = g_main_loop_new(nullptr, FALSE);
  g_unix_signal_add(SIGINT, on_interrupt, loop);
  g_unix_signal_add(SIGTERM, on_interrupt, loop);
  g_main_loop_run(loop);
  g_print("stopping\n");
  g_source_remove(source);
  g_object_unref(server);
  g_main_loop_unref(loop);
  return 0;
}
