/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The properties of a Bayer sensor that every element with a Bayer pad holds (ispraw2rgb,
 * isprgb2raw, ispdegrade): bit-depth, black-level and white-level. */
#pragma once

#include <gst/gst.h>

#include <neuralisp/raw.h>

class IspSensorSettings
{
public:
  /* Installs the properties on `klass` with ids first_prop_id .. first_prop_id + kPropertyCount - 1. */
  static constexpr guint kPropertyCount = 3;
  static void install_properties (GObjectClass * klass, guint first_prop_id);

  explicit IspSensorSettings (guint first_prop_id) : first_prop_id_ (first_prop_id) {}

  /* From the element's set/get_property with its object lock held: FALSE when prop_id is not one
   * of these. */
  gboolean set_property (guint prop_id, const GValue * value);
  gboolean get_property (guint prop_id, GValue * value) const;

  /* Object lock held. */
  guint bit_depth () const { return bit_depth_; }
  neuralisp::RawLevels levels () const { return levels_; }

private:
  guint first_prop_id_;
  guint bit_depth_ = 0;
  neuralisp::RawLevels levels_;
};
