/* libc++ for wasm32-wasi has no std::mutex; the module runs one thread, so de265.cc's init lock is a no-op. */
#ifndef HEIF_SINGLE_THREAD_H
#define HEIF_SINGLE_THREAD_H
#ifdef __cplusplus
struct single_thread_mutex {
  void lock() {}
  void unlock() {}
};
#endif
#endif
