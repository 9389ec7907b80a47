#!/usr/bin/python3
"""neuralisp from Python (GObject introspection, Debian's python3-gi and gir1.2-gstreamer-1.0).

Builds a live pipeline with the elements, moves ispdenoise's `strength` while it plays, and prints
the statistics the elements post (ispdenoise-stats: the estimated noise level, the strength a
frame used, where its time went):

    GST_PLUGIN_PATH=build/gst examples/control.py [--seconds 4] [--strength 2.5]
"""
import argparse
import sys

import gi

gi.require_version("Gst", "1.0")
from gi.repository import GLib, Gst  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=4.0, help="how long to play")
    parser.add_argument("--strength", type=float, default=2.5, help="ispdenoise strength set halfway through")
    args = parser.parse_args()

    Gst.init(None)
    frames = max(1, int(args.seconds * 30))
    pipeline = Gst.parse_launch(
        f"videotestsrc is-live=true num-buffers={frames} pattern=ball ! video/x-raw,width=320,height=240,framerate=30/1 ! "
        "ispdegrade camera-noise=0.5 ! ispdenoise name=denoise post-messages=true ! fakesink sync=true")
    denoise = pipeline.get_by_name("denoise")
    loop = GLib.MainLoop()
    status = {"code": 0}

    def on_message(_bus, message):
        if message.type == Gst.MessageType.ELEMENT and message.get_structure().get_name() == "ispdenoise-stats":
            s = message.get_structure()
            print(f"ispdenoise-stats: frames {s.get_value('frames')}, noise sigma {s.get_value('noise-level'):.1f}, "
                  f"strength {s.get_value('strength'):.2f}, network {s.get_value('network-ms'):.1f} ms", flush=True)
        elif message.type == Gst.MessageType.ERROR:
            error, _debug = message.parse_error()
            print(f"error from {message.src.get_name()}: {error.message}", file=sys.stderr)
            status["code"] = 1
            loop.quit()
        elif message.type == Gst.MessageType.EOS:
            loop.quit()

    def move_strength():
        # A live change: it applies to the next frame (GST_PARAM_MUTABLE_PLAYING).
        denoise.set_property("strength", args.strength)
        print(f"strength set to {args.strength}", flush=True)
        return GLib.SOURCE_REMOVE

    bus = pipeline.get_bus()
    bus.add_signal_watch()
    bus.connect("message", on_message)
    GLib.timeout_add(int(args.seconds * 500), move_strength)
    if pipeline.set_state(Gst.State.PLAYING) == Gst.StateChangeReturn.FAILURE:
        print("the pipeline would not start (is GST_PLUGIN_PATH set to the build's gst folder?)", file=sys.stderr)
        return 1
    loop.run()
    pipeline.set_state(Gst.State.NULL)
    return status["code"]


if __name__ == "__main__":
    sys.exit(main())
