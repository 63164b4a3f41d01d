#include <gtest/gtest.h>

#include "sluice/filter/policy.h"

using namespace sluice::filter;

TEST(Policy, DefaultKeepsPermissiveAndRemovesCopyleft) {
  const LicensePolicy policy;
  EXPECT_TRUE(evaluate_license(policy, "MIT").keep);
  EXPECT_TRUE(evaluate_license(policy, "Apache-2.0 AND BSD-3-Clause").keep);
  EXPECT_TRUE(evaluate_license(policy, "MIT OR GPL-3.0-only").keep);
  EXPECT_TRUE(evaluate_license(policy, "Unlicense").keep);
  EXPECT_FALSE(evaluate_license(policy, "GPL-2.0-only WITH Classpath-exception-2.0").keep);
  EXPECT_FALSE(evaluate_license(policy, "MIT AND GPL-2.0-or-later").keep);
  EXPECT_FALSE(evaluate_license(policy, "MPL-2.0").keep);
  EXPECT_EQ(evaluate_license(policy, "NOASSERTION").reason, "noassertion");
  EXPECT_EQ(evaluate_license(policy, "NONE").reason, "unlicensed");
  EXPECT_EQ(evaluate_license(policy, "").reason, "unlicensed");
  EXPECT_EQ(evaluate_license(policy, "(MIT AND").reason, "malformed");
}

TEST(Policy, AllowDenyAndUnlicensedAreChoices) {
  LicensePolicy policy;
  policy.allow = {"permissive", "weak-copyleft"};
  policy.deny = {"Apache-2.0"};
  policy.keep_unlicensed = true;
  EXPECT_TRUE(evaluate_license(policy, "MPL-2.0").keep);
  EXPECT_EQ(evaluate_license(policy, "Apache-2.0").reason, "denied");
  EXPECT_TRUE(evaluate_license(policy, "NONE").keep);
  EXPECT_TRUE(evaluate_license(policy, "GPL-2.0+ OR MIT").keep);
  policy.allow = {"GPL-2.0-or-later"};
  EXPECT_TRUE(evaluate_license(policy, "GPL-2.0+").keep);
}

TEST(Policy, Classes) {
  EXPECT_STREQ(license_class_name(classify_license("BSD-3-Clause")), "permissive");
  EXPECT_STREQ(license_class_name(classify_license("CC0-1.0")), "public-domain");
  EXPECT_STREQ(license_class_name(classify_license("LGPL-2.1-only")), "weak-copyleft");
  EXPECT_STREQ(license_class_name(classify_license("AGPL-3.0-or-later")), "copyleft");
  EXPECT_STREQ(license_class_name(classify_license("CC-BY-NC-4.0")), "other");
}
