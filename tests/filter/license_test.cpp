#include <gtest/gtest.h>

#include "sluice/filter/license.h"

using namespace sluice::filter;

TEST(License, BundleHoldsTheSpdxList) {
  EXPECT_EQ(license_source_count(), 727u);
  EXPECT_GT(license_template_count(), 600u);
}
