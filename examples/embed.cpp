/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The pattern a video application follows: build a pipeline with neuralisp elements, change a
 * property while it plays, and read the elements' statistics from the bus.
 *
 *   neuralisp-embed            (runs 5 s of test video; strength goes from 1 to 2 after 2 s)
 */
#include <gst/gst.h>

namespace {

struct App {
  GMainLoop* loop;
  GstElement* denoise;
  int status = 0;
};

gboolean on_message(GstBus*, GstMessage* message, gpointer data) {
  auto* app = static_cast<App*>(data);
  switch (GST_MESSAGE_TYPE(message)) {
    case GST_MESSAGE_ELEMENT: {
      const GstStructure* s = gst_message_get_structure(message);
      if (gst_structure_has_name(s, "ispdenoise-stats")) {
        gchar* text = gst_structure_to_string(s);
        g_print("%s\n", text);
        g_free(text);
      }
      break;
    }
    case GST_MESSAGE_ERROR: {
      GError* error = nullptr;
      gst_message_parse_error(message, &error, nullptr);
      g_printerr("error: %s\n", error->message);
      g_error_free(error);
      app->status = 1;
      g_main_loop_quit(app->loop);
      break;
    }
    case GST_MESSAGE_EOS:
      g_main_loop_quit(app->loop);
      break;
    default:
      break;
  }
  return G_SOURCE_CONTINUE;
}

gboolean raise_strength(gpointer data) {
  auto* app = static_cast<App*>(data);
  g_print("setting strength=2.0 while playing\n");
  g_object_set(app->denoise, "strength", 2.0, nullptr);
  return G_SOURCE_REMOVE;
}

}  // namespace

int main(int argc, char** argv) {
  gst_init(&argc, &argv);
  GError* error = nullptr;
  GstElement* pipeline = gst_parse_launch(
      "videotestsrc is-live=true num-buffers=150 ! video/x-raw,width=320,height=240,framerate=30/1 ! "
      "ispdegrade noise=20 ! ispdenoise name=denoise ! fakesink", &error);
  if (!pipeline) {
    g_printerr("%s\n", error->message);
    return 1;
  }
  App app{g_main_loop_new(nullptr, FALSE), gst_bin_get_by_name(GST_BIN(pipeline), "denoise")};
  GstBus* bus = gst_element_get_bus(pipeline);
  gst_bus_add_watch(bus, on_message, &app);
  g_timeout_add_seconds(2, raise_strength, &app);
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  g_main_loop_run(app.loop);
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_bus_remove_watch(bus);
  gst_object_unref(bus);
  gst_object_unref(app.denoise);
  gst_object_unref(pipeline);
  g_main_loop_unref(app.loop);
  return app.status;
}
