// The process set-up every training tool starts with (ttq-train, ttq-train-lockstep): the
// environment libgomp and glibc read at load time, and malloc's thresholds. Arithmetic is
// unchanged by all of it: runs stay bit-identical.
#pragma once

namespace ttq::train {

// Sets OMP_WAIT_POLICY=passive and GLIBC_TUNABLES=glibc.malloc.hugetlb=1 where the user set
// neither and starts the program again (once) so that they take effect; then keeps freed blocks
// in malloc's heap. Call first thing in main with its argv.
void setup_training_process(char** argv);

}  // namespace ttq::train
