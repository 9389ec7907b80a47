/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "ispsensorsettings.h"

#define DEFAULT_PROP_BIT_DEPTH 0
#define DEFAULT_PROP_BLACK_LEVEL -1
#define DEFAULT_PROP_WHITE_LEVEL -1

enum
{
  PROP_BIT_DEPTH,
  PROP_BLACK_LEVEL,
  PROP_WHITE_LEVEL,
};

void
IspSensorSettings::install_properties (GObjectClass * klass, guint first_prop_id)
{
  g_object_class_install_property (klass, first_prop_id + PROP_BIT_DEPTH,
      g_param_spec_uint ("bit-depth", "Bit depth",
          "Significant bits of a Bayer sample (0 = the format's: 8, or the number in its name, e.g. 12 for "
          "rggb12le; a 16-bit format may hold fewer, e.g. bit-depth=10 with rggb16le)", 0, 16,
          DEFAULT_PROP_BIT_DEPTH,
          (GParamFlags) (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY)));
  g_object_class_install_property (klass, first_prop_id + PROP_BLACK_LEVEL,
      g_param_spec_int ("black-level", "Black level",
          "Bayer code value of no light (-1 = 0)", -1, 65535, DEFAULT_PROP_BLACK_LEVEL,
          (GParamFlags) (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING)));
  g_object_class_install_property (klass, first_prop_id + PROP_WHITE_LEVEL,
      g_param_spec_int ("white-level", "White level",
          "Bayer code value of saturation (-1 = the largest code of the bit depth)", -1, 65535,
          DEFAULT_PROP_WHITE_LEVEL,
          (GParamFlags) (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING)));
}

gboolean
IspSensorSettings::set_property (guint prop_id, const GValue * value)
{
  if (prop_id < first_prop_id_ || prop_id >= first_prop_id_ + kPropertyCount)
    return FALSE;
  switch (prop_id - first_prop_id_) {
    case PROP_BIT_DEPTH:
      bit_depth_ = g_value_get_uint (value);
      break;
    case PROP_BLACK_LEVEL:
      levels_.black_level = g_value_get_int (value);
      break;
    case PROP_WHITE_LEVEL:
      levels_.white_level = g_value_get_int (value);
      break;
  }
  return TRUE;
}

gboolean
IspSensorSettings::get_property (guint prop_id, GValue * value) const
{
  if (prop_id < first_prop_id_ || prop_id >= first_prop_id_ + kPropertyCount)
    return FALSE;
  switch (prop_id - first_prop_id_) {
    case PROP_BIT_DEPTH:
      g_value_set_uint (value, bit_depth_);
      break;
    case PROP_BLACK_LEVEL:
      g_value_set_int (value, static_cast < gint > (levels_.black_level));
      break;
    case PROP_WHITE_LEVEL:
      g_value_set_int (value, static_cast < gint > (levels_.white_level));
      break;
  }
  return TRUE;
}
