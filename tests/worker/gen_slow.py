# A C program that takes clang a few seconds to build (for the kill -9
# during a compile test in test_worker_e2e.c). Prints "slow 1".
N = 600
print('#include <stdio.h>')
for i in range(N):
    print('int f%d(int x){ int s=0; for(int i=0;i<x;i++){ s+=i*%d ^ (s>>3); if(s%%7==%d) s+=x; } return s; }' % (i, i, i % 7))
print('int main(void){ int t=0;')
for i in range(0, N, 100):
    print(' t+=f%d(3);' % i)
print(' printf("slow %d", t>0); return 0; }')
