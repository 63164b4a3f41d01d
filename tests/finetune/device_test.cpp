// --device: the choice between CPU and CUDA (unit), and what a user sees on a machine without a
// GPU (the real binary): auto trains on the CPU exactly as before, cuda is a clear error.
#include <gtest/gtest.h>

#include "sluice/core/error.h"
#include "sluice/finetune/device.h"
#include "support.h"
#include "test_support.h"

namespace sluice::test {
namespace {

using namespace sluice::finetune;
namespace fs = std::filesystem;

std::string error_of(const std::string& requested, bool cuda, int world) {
  try {
    choose_device(requested, cuda, world);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(Device, AutoPicksCudaOnlyForOneProcessWithAGpu) {
  EXPECT_EQ(choose_device("auto", false, 1), DeviceKind::kCpu);
  EXPECT_EQ(choose_device("auto", true, 1), DeviceKind::kCuda);
  EXPECT_EQ(choose_device("auto", true, 4), DeviceKind::kCpu);  // data-parallel runs stay on the CPU
  EXPECT_EQ(choose_device("cpu", true, 1), DeviceKind::kCpu);
  EXPECT_EQ(choose_device("cuda", true, 1), DeviceKind::kCuda);
  EXPECT_STREQ(device_name(DeviceKind::kCuda), "cuda");
}

TEST(Device, CudaWithoutAGpuOrWithWorkersIsAnErrorNamingTheFlag) {
  const auto no_gpu = error_of("cuda", false, 1);
  EXPECT_NE(no_gpu.find("--device cuda"), std::string::npos) << no_gpu;
  EXPECT_NE(no_gpu.find("--device cpu"), std::string::npos) << no_gpu;
  const auto workers = error_of("cuda", true, 2);
  EXPECT_NE(workers.find("--device cuda: data-parallel training (2 processes)"), std::string::npos) << workers;
  const auto bad = error_of("tpu", true, 1);
  EXPECT_NE(bad.find("--device must be auto, cpu or cuda, not 'tpu'"), std::string::npos) << bad;
}

TEST(Device, CommandsOnThisMachine) {
  TempDir dir;
  make_corpus(dir / "data", 1, 0, 2048);
  write_config(dir / "model.json", tiny_config());
  auto args = [&](const std::string& out, const std::string& device) {
    auto a = train_args("pretrain", dir / "data", dir / out, 3);
    a.insert(a.end(), {"--config", (dir / "model.json").string(), "--json"});
    if (!device.empty()) a.insert(a.end(), {"--device", device});
    return a;
  };
  const auto plain = run_sluice(args("plain", "cpu"));
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  EXPECT_NE(plain.out.find("\"device\": \"cpu\""), std::string::npos) << plain.out;
  EXPECT_EQ(plain.out.find("peak_device_bytes"), std::string::npos) << plain.out;
  const auto cuda = run_sluice(args("cuda", "cuda"));
  if (cuda.exit_code == 0) {
    // A machine with a GPU: the run used it and reports its memory.
    EXPECT_NE(cuda.out.find("\"device\": \"cuda\""), std::string::npos) << cuda.out;
    EXPECT_NE(cuda.out.find("peak_device_bytes"), std::string::npos) << cuda.out;
  } else {
    EXPECT_EQ(cuda.exit_code, 1);
    EXPECT_NE(cuda.err.find("sluice: error: --device cuda: this LibTorch sees no CUDA GPU"), std::string::npos) << cuda.err;
    // auto falls back to the CPU and computes exactly what --device cpu does.
    const auto automatic = run_sluice(args("auto", ""));
    ASSERT_EQ(automatic.exit_code, 0) << automatic.err;
    EXPECT_EQ(loss_fields(dir / "auto" / "metrics.jsonl"), loss_fields(dir / "plain" / "metrics.jsonl"));
    const auto eval = run_sluice({"eval", "--ckpt", (dir / "plain").string(), "--data", (dir / "data").string(), "--device", "cuda"});
    EXPECT_EQ(eval.exit_code, 1);
    EXPECT_NE(eval.err.find("--device cuda"), std::string::npos) << eval.err;
  }
  auto workers = args("workers", "cuda");
  workers.insert(workers.end(), {"--nproc", "2"});
  const auto w = run_sluice(workers);
  EXPECT_EQ(w.exit_code, 1);
  EXPECT_NE(w.err.find("runs on the CPU only (Gloo)"), std::string::npos) << w.err;
  EXPECT_FALSE(fs::exists(dir / "workers" / "metrics.jsonl"));  // refused before any worker started
  const auto bad = run_sluice(args("bad", "gpu"));
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("--device"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace sluice::test
