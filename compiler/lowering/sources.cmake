set(SUBDIR_SOURCES data_model.cpp ownership.cpp lower_memory.cpp lower.cpp lower_arith.cpp lower_builtins.cpp lower_iter.cpp lower_arrays.cpp lower_numpy.cpp lower_random.cpp lower_strings.cpp lower_dicts.cpp lower_ufuncs.cpp lower_exceptions.cpp lower_parallel.cpp lower_array_join.cpp lower_selection.cpp lower_lists.cpp lower_sets.cpp lower_complex.cpp lower_datetime.cpp lower_fusion.cpp lower_generators.cpp lower_linalg.cpp lower_ndindex.cpp lower_enums.cpp lower_records.cpp
  lower_pairwise.cpp  # pairwise:
  lower_broadcast.cpp  # broadcast:
  lower_cuda.cpp lower_cuda_sim.cpp lower_cuda_ptx.cpp  # cuda:
  lower_print.cpp  # print:
  lower_optional.cpp  # optional:
  lower_npgen.cpp  # npgen:
  lower_structref.cpp  # structref:
  lower_slices.cpp  # slices:
  lower_sort.cpp  # sort:
  lower_buffers.cpp  # buffers:
  lower_literal_containers.cpp  # litcont:
  lower_format.cpp  # format:
  lower_native.cpp  # native:
  lower_intrinsics.cpp)  # intrinsic:
