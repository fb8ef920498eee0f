set(SUBDIR_SOURCES types.cpp inference.cpp registry.cpp rules_numeric.cpp rules_builtins.cpp rules_arrays.cpp rules_random.cpp prune_none_branches.cpp rules_strings.cpp rules_dicts.cpp rules_ufuncs.cpp rules_exceptions.cpp rules_lists.cpp rules_sets.cpp rules_complex.cpp rules_datetime.cpp rules_tuples.cpp literal_unroll.cpp fuse_array_exprs.cpp rules_npfuncs.cpp rules_linalg.cpp rules_namedtuples.cpp rules_ndindex.cpp rules_enums.cpp rules_records.cpp performance_warnings.cpp
  parallel_loops.cpp  # prange:
  rules_broadcast.cpp  # broadcast:
  rules_cuda.cpp  # cuda:
  rules_static.cpp  # pyfuncs:
  rules_print.cpp  # print:
  rules_optional.cpp  # optional:
  rules_npgen.cpp  # npgen:
  rules_slices.cpp  # slices:
  rules_buffers.cpp  # buffers:
  rules_literal_containers.cpp  # litcont:
  rules_format.cpp  # format:
  rules_native.cpp  # native:
  rules_structref.cpp)  # structref:
