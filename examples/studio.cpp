/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "studio.h"

#include <gst/gst.h>
#include <gst/video/video.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <vector>

#include "programs.h"

namespace {

// The chain, in the order a camera's frames need it, and the live properties each one gets a
// control for. Every stage passes frames through at no cost at its neutral setting, so a stage
// is switched off by its controls rather than by rebuilding the pipeline.
struct Stage {
  const char* element;
  const char* title;
  std::vector<const char*> properties;
};
const Stage kBayerStage = {"ispraw2rgb", "Neural ISP (Bayer)", {"rendering", "black-level"}};
const Stage kStages[] = {
    {"ispdenoise", "Denoise", {"strength", "noise-level"}},
    {"isprestore", "Restore", {"mode", "deblur", "denoise", "dejpeg"}},
    {"ispenhance", "Enhance", {"style", "strength", "exposure", "contrast", "saturation", "warmth"}},
};

}  // namespace

struct Studio {
  StudioOptions options;
  std::vector<Stage> stages;  // the chain, in order
  std::string source_kind;
  GstElement* pipeline = nullptr;
  GstElement* sink = nullptr;
  GtkWidget* window = nullptr;
  GtkWidget* view = nullptr;
  GtkWidget* stats = nullptr;
  GtkWidget* status = nullptr;
  std::map<std::string, GtkWidget*> controls;
  std::map<std::string, std::string> stage_stats;  // element -> its last statistics, as text
  guint64 frames = 0, frames_at_last_second = 0;
  double fps = 0.0;
  guint timer = 0;
  int snapshots = 0;
};

namespace {

std::string source_description(Studio* s) {
  const StudioOptions& o = s->options;
  gchar* caps = g_strdup_printf("video/x-raw,width=%d,height=%d,pixel-aspect-ratio=1/1", o.width, o.height);
  std::string source;
  if (!o.file.empty()) {
    s->source_kind = "file";
    const bool still = g_str_has_suffix(o.file.c_str(), ".png") || g_str_has_suffix(o.file.c_str(), ".jpg") ||
                       g_str_has_suffix(o.file.c_str(), ".jpeg");
    // A still image is shown live at 30 fps, so that a moved control shows on the next frame.
    source = "filesrc location=" + launch_quoted(o.file) + " ! decodebin ! videoconvert ! videoscale ! " + caps +
             (still ? " ! imagefreeze is-live=true ! video/x-raw,framerate=30/1" : "");
  } else if (g_file_test(o.device.c_str(), G_FILE_TEST_EXISTS)) {
    s->source_kind = "camera";
    // A Bayer camera is asked for its mosaic at the size given (Bayer frames cannot be scaled).
    gchar* bayer_caps = g_strdup_printf("video/x-bayer,width=%d,height=%d", o.width, o.height);
    source = "v4l2src device=" + launch_quoted(o.device) + (o.bayer ? std::string(" ! ") + bayer_caps
                                                     : " ! videoconvert ! videoscale ! " + std::string(caps));
    g_free(bayer_caps);
  } else {
    // The demo's photo, made live at 30 fps with camera noise added each frame (or a test pattern
    // where the photo package is missing).
    s->source_kind = "photo";
    source = g_file_test(o.photo.c_str(), G_FILE_TEST_EXISTS)
                 ? "filesrc location=" + launch_quoted(o.photo) + " ! jpegdec ! videoconvert ! videoscale ! " + caps +
                       " ! imagefreeze is-live=true ! video/x-raw,framerate=30/1"
                 : std::string("videotestsrc is-live=true pattern=ball ! ") + caps + ",framerate=30/1";
    // Camera noise where a camera adds it: in RAW, for a Bayer source.
    source += o.bayer ? " ! isprgb2raw ! video/x-bayer,format=rggb ! ispdegrade camera-noise=0.6"
                      : " ! ispdegrade camera-noise=0.6";
  }
  g_free(caps);
  return source;
}

// Input on the left, processed on the right, one frame of twice the width.
std::string pipeline_description(Studio* s) {
  if (s->options.bayer) s->stages.push_back(kBayerStage);
  s->stages.insert(s->stages.end(), std::begin(kStages), std::end(kStages));
  std::string chain;
  for (const Stage& stage : s->stages)
    chain += std::string(" ! ") + stage.element + " name=" + stage.element + " post-messages=true ! videoconvert";
  // A Bayer source's input half is what stock bayer2rgb makes of the mosaic.
  const std::string input = s->options.bayer ? " ! bayer2rgb" : "";
  // The side-by-side size is fixed from the start: grown when the second input arrives, buffers of
  // the first size were still mapped with the new caps (a GStreamer critical, now and then).
  const std::string side_caps = "video/x-raw,width=" + std::to_string(2 * s->options.width) +
                                ",height=" + std::to_string(s->options.height);
  return source_description(s) + (s->options.bayer ? "" : " ! videoconvert") + " ! tee name=split " +
         "compositor name=side sink_1::xpos=" + std::to_string(s->options.width) + " ! " + side_caps +
         " ! videoconvert ! gtksink name=view sync=false "
         "split. ! queue max-size-buffers=2" + input + " ! videoconvert ! side.sink_0 "
         "split. ! queue max-size-buffers=2" + chain + " ! side.sink_1";
}

// A slider for a number property of any numeric type: the value goes through GValue's transform
// (rounded first for an integer property).
void on_scale_changed(GtkRange* range, gpointer data) {
  auto* element = static_cast<GstElement*>(data);
  const char* property = static_cast<const char*>(g_object_get_data(G_OBJECT(range), "property"));
  GParamSpec* spec = g_object_class_find_property(G_OBJECT_GET_CLASS(element), property);
  const bool integer = G_IS_PARAM_SPEC_INT(spec);
  GValue number = G_VALUE_INIT, value = G_VALUE_INIT;
  g_value_init(&number, G_TYPE_DOUBLE);
  g_value_set_double(&number, integer ? std::round(gtk_range_get_value(range)) : gtk_range_get_value(range));
  g_value_init(&value, G_PARAM_SPEC_VALUE_TYPE(spec));
  // Applies to the next frame: the properties are GST_PARAM_MUTABLE_PLAYING.
  if (g_value_transform(&number, &value)) g_object_set_property(G_OBJECT(element), property, &value);
  g_value_unset(&value);
  g_value_unset(&number);
}

void on_combo_changed(GtkComboBox* combo, gpointer data) {
  auto* element = static_cast<GstElement*>(data);
  const char* property = static_cast<const char*>(g_object_get_data(G_OBJECT(combo), "property"));
  const char* nick = gtk_combo_box_get_active_id(combo);
  GParamSpec* spec = g_object_class_find_property(G_OBJECT_GET_CLASS(element), property);
  GEnumValue* value = g_enum_get_value_by_nick(G_PARAM_SPEC_ENUM(spec)->enum_class, nick);
  if (value) g_object_set(element, property, value->value, nullptr);
}

// A control made from the property's own description: a slider for a number, a list of its
// values for an enum; named "ELEMENT.PROPERTY", with the property's blurb as its tooltip.
GtkWidget* make_control(Studio* s, GstElement* element, const char* property) {
  GParamSpec* spec = g_object_class_find_property(G_OBJECT_GET_CLASS(element), property);
  if (!spec) return nullptr;
  GtkWidget* control = nullptr;
  if (G_IS_PARAM_SPEC_INT(spec) || G_IS_PARAM_SPEC_DOUBLE(spec)) {
    const bool integer = G_IS_PARAM_SPEC_INT(spec);
    // The useful part of the long ranges: noise-level reaches 255, black-level 65535.
    const double lo = integer ? G_PARAM_SPEC_INT(spec)->minimum : G_PARAM_SPEC_DOUBLE(spec)->minimum;
    const double hi = integer ? std::min(G_PARAM_SPEC_INT(spec)->maximum, 4095) : std::min(G_PARAM_SPEC_DOUBLE(spec)->maximum, 100.0);
    control = gtk_scale_new_with_range(GTK_ORIENTATION_HORIZONTAL, lo, hi, integer ? 1.0 : (hi - lo) / 100.0);
    GValue value = G_VALUE_INIT, number = G_VALUE_INIT;
    g_value_init(&value, G_PARAM_SPEC_VALUE_TYPE(spec));
    g_object_get_property(G_OBJECT(element), property, &value);
    g_value_init(&number, G_TYPE_DOUBLE);
    g_value_transform(&value, &number);
    gtk_range_set_value(GTK_RANGE(control), g_value_get_double(&number));
    g_value_unset(&value);
    g_value_unset(&number);
    gtk_scale_set_digits(GTK_SCALE(control), integer ? 0 : 2);
    g_object_set_data(G_OBJECT(control), "property", const_cast<char*>(property));
    g_signal_connect(control, "value-changed", G_CALLBACK(on_scale_changed), element);
  } else if (G_IS_PARAM_SPEC_ENUM(spec)) {
    control = gtk_combo_box_text_new();
    GEnumClass* values = G_PARAM_SPEC_ENUM(spec)->enum_class;
    gint current = 0;
    g_object_get(element, property, &current, nullptr);
    for (guint i = 0; i < values->n_values; ++i) {
      gtk_combo_box_text_append(GTK_COMBO_BOX_TEXT(control), values->values[i].value_nick, values->values[i].value_nick);
      if (values->values[i].value == current) gtk_combo_box_set_active(GTK_COMBO_BOX(control), i);
    }
    g_object_set_data(G_OBJECT(control), "property", const_cast<char*>(property));
    g_signal_connect(control, "changed", G_CALLBACK(on_combo_changed), element);
  } else {
    return nullptr;
  }
  const std::string name = std::string(GST_ELEMENT_NAME(element)) + "." + property;
  gtk_widget_set_name(control, name.c_str());
  gtk_widget_set_tooltip_text(control, g_param_spec_get_blurb(spec));
  gtk_widget_set_hexpand(control, TRUE);
  s->controls[name] = control;
  return control;
}

GtkWidget* make_controls(Studio* s) {
  GtkWidget* panel = gtk_box_new(GTK_ORIENTATION_VERTICAL, 6);
  for (const Stage& stage : s->stages) {
    GstElement* element = gst_bin_get_by_name(GST_BIN(s->pipeline), stage.element);
    GtkWidget* frame = gtk_frame_new(stage.title);
    GtkWidget* grid = gtk_grid_new();
    gtk_grid_set_column_spacing(GTK_GRID(grid), 6);
    int row = 0;
    for (const char* property : stage.properties) {
      GtkWidget* control = make_control(s, element, property);
      if (!control) continue;
      GtkWidget* label = gtk_label_new(property);
      gtk_label_set_xalign(GTK_LABEL(label), 0.0);
      gtk_grid_attach(GTK_GRID(grid), label, 0, row, 1, 1);
      gtk_grid_attach(GTK_GRID(grid), control, 1, row++, 1, 1);
    }
    gtk_container_add(GTK_CONTAINER(frame), grid);
    gtk_box_pack_start(GTK_BOX(panel), frame, FALSE, FALSE, 0);
    gst_object_unref(element);
  }
  GtkWidget* snapshot = gtk_button_new_with_mnemonic("_Snapshot (Ctrl+S)");
  gtk_widget_set_name(snapshot, "snapshot");
  g_signal_connect_swapped(snapshot, "clicked", G_CALLBACK(+[](Studio* studio) { studio_snapshot(studio); }), s);
  gtk_box_pack_start(GTK_BOX(panel), snapshot, FALSE, FALSE, 0);
  s->status = gtk_label_new("Space: pause, Ctrl+S: snapshot, Ctrl+0: neutral, Ctrl+Q: quit");
  gtk_label_set_line_wrap(GTK_LABEL(s->status), TRUE);
  gtk_box_pack_end(GTK_BOX(panel), s->status, FALSE, FALSE, 0);
  return panel;
}

void show_statistics(Studio* s) {
  std::string text = "shown: " + std::to_string(static_cast<int>(s->fps + 0.5)) + " fps";
  for (const auto& [element, line] : s->stage_stats) text += "\n" + element + ": " + line;
  gtk_label_set_text(GTK_LABEL(s->stats), text.c_str());
}

gboolean on_second(gpointer data) {
  auto* s = static_cast<Studio*>(data);
  s->fps = static_cast<double>(s->frames - s->frames_at_last_second);
  s->frames_at_last_second = s->frames;
  show_statistics(s);
  return G_SOURCE_CONTINUE;
}

// Each element's statistics message, shortened to the figures a person watches.
gboolean on_bus_message(GstBus*, GstMessage* message, gpointer data) {
  auto* s = static_cast<Studio*>(data);
  if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_ELEMENT) {
    const GstStructure* st = gst_message_get_structure(message);
    const std::string name = gst_structure_get_name(st);
    if (name.size() > 6 && name.compare(name.size() - 6, 6, "-stats") == 0) {
      std::string line;
      for (const char* key : {"noise-level", "blur-sigma", "noise-sigma", "jpeg-quality", "exposure-ev", "red-gain",
                              "blue-gain", "auto-white-balance"}) {
        double value = 0.0;
        if (gst_structure_get_double(st, key, &value)) line += std::string(key) + " " + std::to_string(value).substr(0, 5) + ", ";
      }
      guint64 process_ns = 0;
      if (gst_structure_get_uint64(st, "mean-process-time", &process_ns))
        line += std::to_string(process_ns / 100000 / 10.0).substr(0, 4) + " ms/frame";
      s->stage_stats[name.substr(0, name.size() - 6)] = line;
    }
  } else if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_ERROR) {
    GError* err = nullptr;
    gst_message_parse_error(message, &err, nullptr);
    gtk_label_set_text(GTK_LABEL(s->status), (std::string("error: ") + err->message).c_str());
    g_printerr("neuralisp-studio: %s: %s\n", GST_OBJECT_NAME(message->src), err->message);
    g_error_free(err);
  } else if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_EOS && s->source_kind == "file") {
    // A clip plays in a loop.
    gst_element_seek_simple(s->pipeline, GST_FORMAT_TIME, GST_SEEK_FLAG_FLUSH, 0);
  }
  return TRUE;
}

GstPadProbeReturn count_frame(GstPad*, GstPadProbeInfo*, gpointer data) {
  g_atomic_pointer_add(&static_cast<Studio*>(data)->frames, 1);
  return GST_PAD_PROBE_OK;
}

// Every control back to the stage's neutral value: frames pass through untouched.
void set_neutral(Studio* s) {
  for (const char* name : {"ispdenoise.strength", "isprestore.deblur", "isprestore.denoise", "isprestore.dejpeg",
                           "ispenhance.strength"})
    if (s->controls.count(name)) gtk_range_set_value(GTK_RANGE(s->controls[name]), 0.0);
}

gboolean on_key(GtkWidget*, GdkEventKey* event, gpointer data) {
  auto* s = static_cast<Studio*>(data);
  const bool control = event->state & GDK_CONTROL_MASK;
  if (control && event->keyval == GDK_KEY_s) {
    studio_snapshot(s);
  } else if (control && event->keyval == GDK_KEY_q) {
    gtk_widget_destroy(s->window);
  } else if (control && event->keyval == GDK_KEY_0) {
    set_neutral(s);
  } else if (event->keyval == GDK_KEY_space && !GTK_IS_ENTRY(gtk_window_get_focus(GTK_WINDOW(s->window)))) {
    GstState state;
    gst_element_get_state(s->pipeline, &state, nullptr, 0);
    gst_element_set_state(s->pipeline, state == GST_STATE_PLAYING ? GST_STATE_PAUSED : GST_STATE_PLAYING);
  } else {
    return FALSE;
  }
  return TRUE;
}

}  // namespace

Studio* studio_new(const StudioOptions& options, std::string* error) {
  auto* s = new Studio;
  s->options = options;
  GError* err = nullptr;
  s->pipeline = gst_parse_launch(pipeline_description(s).c_str(), &err);
  if (!s->pipeline || err) {
    *error = err ? err->message : "cannot build the pipeline";
    if (err) g_error_free(err);
    if (s->pipeline) gst_object_unref(s->pipeline);
    delete s;
    return nullptr;
  }
  s->sink = gst_bin_get_by_name(GST_BIN(s->pipeline), "view");
  GtkWidget* video = nullptr;
  g_object_get(s->sink, "widget", &video, nullptr);
  s->view = video;
  gtk_widget_set_size_request(video, options.width, options.height / 2);  // half size at the least
  gtk_widget_set_hexpand(video, TRUE);
  gtk_widget_set_vexpand(video, TRUE);
  GstPad* pad = gst_element_get_static_pad(s->sink, "sink");
  gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, count_frame, s, nullptr);
  gst_object_unref(pad);

  s->window = gtk_window_new(GTK_WINDOW_TOPLEVEL);
  gtk_window_set_title(GTK_WINDOW(s->window), ("neuralisp studio: " + s->source_kind + " (input | processed)").c_str());
  // The video at its own size where the screen allows, the controls beside it, scrolled.
  GdkRectangle screen = {0, 0, 1600, 900};
  if (GdkMonitor* monitor = gdk_display_get_primary_monitor(gdk_display_get_default()))
    gdk_monitor_get_workarea(monitor, &screen);
  gtk_window_set_default_size(GTK_WINDOW(s->window), std::min(2 * options.width + 360, screen.width),
                              std::min(options.height + 120, screen.height));
  s->stats = gtk_label_new("");
  gtk_label_set_xalign(GTK_LABEL(s->stats), 0.0);
  gtk_label_set_line_wrap(GTK_LABEL(s->stats), TRUE);
  gtk_widget_set_name(s->stats, "statistics");
  GtkWidget* left = gtk_box_new(GTK_ORIENTATION_VERTICAL, 4);
  gtk_box_pack_start(GTK_BOX(left), video, TRUE, TRUE, 0);
  gtk_box_pack_start(GTK_BOX(left), s->stats, FALSE, FALSE, 0);
  GtkWidget* scrolled = gtk_scrolled_window_new(nullptr, nullptr);
  gtk_scrolled_window_set_policy(GTK_SCROLLED_WINDOW(scrolled), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_widget_set_size_request(scrolled, 340, -1);
  gtk_container_add(GTK_CONTAINER(scrolled), make_controls(s));
  GtkWidget* layout = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 6);
  gtk_box_pack_start(GTK_BOX(layout), left, TRUE, TRUE, 0);
  gtk_box_pack_start(GTK_BOX(layout), scrolled, FALSE, FALSE, 0);
  gtk_container_add(GTK_CONTAINER(s->window), layout);
  g_object_unref(video);
  g_signal_connect(s->window, "key-press-event", G_CALLBACK(on_key), s);
  // Closing the window ends the application's main loop (an embedding one may run none).
  g_signal_connect(s->window, "destroy", G_CALLBACK(+[](GtkWidget*, gpointer) {
                     if (gtk_main_level() > 0) gtk_main_quit();
                   }),
                   nullptr);

  GstBus* bus = gst_element_get_bus(s->pipeline);
  gst_bus_add_watch(bus, on_bus_message, s);
  gst_object_unref(bus);
  s->timer = g_timeout_add_seconds(1, on_second, s);
  gtk_widget_show_all(s->window);
  if (gst_element_set_state(s->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    *error = "the pipeline would not start (see the messages above)";
    studio_free(s);
    return nullptr;
  }
  return s;
}

void studio_free(Studio* s) {
  if (!s) return;
  g_source_remove(s->timer);
  gst_element_set_state(s->pipeline, GST_STATE_NULL);
  GstBus* bus = gst_element_get_bus(s->pipeline);
  gst_bus_remove_watch(bus);
  gst_object_unref(bus);
  gst_object_unref(s->sink);
  gst_object_unref(s->pipeline);
  delete s;
}

GtkWidget* studio_window(Studio* s) { return s->window; }

GtkWidget* studio_view(Studio* s) { return s->view; }

GtkWidget* studio_control(Studio* s, const std::string& name) {
  auto found = s->controls.find(name);
  return found == s->controls.end() ? nullptr : found->second;
}

guint64 studio_frames(Studio* s) { return g_atomic_pointer_get(&s->frames); }

std::string studio_source_kind(Studio* s) { return s->source_kind; }

std::string studio_snapshot(Studio* s) {
  GstSample* sample = nullptr;
  g_object_get(s->sink, "last-sample", &sample, nullptr);
  if (!sample) return "";
  GstCaps* png = gst_caps_new_empty_simple("image/png");
  GError* err = nullptr;
  GstSample* converted = gst_video_convert_sample(sample, png, 5 * GST_SECOND, &err);
  gst_caps_unref(png);
  gst_sample_unref(sample);
  std::string path;
  if (converted) {
    gchar* name = g_strdup_printf("neuralisp-snapshot-%d.png", ++s->snapshots);
    gchar* file = g_build_filename(s->options.snapshot_dir.c_str(), name, nullptr);
    GstMapInfo map;
    GstBuffer* buffer = gst_sample_get_buffer(converted);
    if (gst_buffer_map(buffer, &map, GST_MAP_READ)) {
      if (g_file_set_contents(file, reinterpret_cast<const gchar*>(map.data), map.size, &err)) path = file;
      gst_buffer_unmap(buffer, &map);
    }
    g_free(name);
    g_free(file);
    gst_sample_unref(converted);
  }
  const std::string message = path.empty() ? std::string("snapshot failed: ") + (err ? err->message : "no frame")
                                           : "before | after written to " + path;
  if (err) g_error_free(err);
  gtk_label_set_text(GTK_LABEL(s->status), message.c_str());
  g_print("%s\n", message.c_str());
  return path;
}
