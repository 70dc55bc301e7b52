/* libde265 includes <signal.h> (motion.cc, slice.cc) but calls nothing from it; WASI has no signals. */
