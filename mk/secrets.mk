# Fuzz target: the access-condition parser and evaluator (with a fake chain).
$(eval $(call fuzz_target,secrets_cond,tests/fuzz/fuzz_secrets_cond.c $(FUZZ_LIB)/libsecrets.a $(FUZZ_LIB)/libnear.a,\
  -ljansson -lpcre2-8))
