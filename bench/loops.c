// nested counting loops: loop overhead and integer arithmetic
#include <stdio.h>

int main(void) {
    long sum = 0;
    for (long i = 0; i < 4000; i++) {
        for (long j = 0; j < 3000; j++) {
            sum = sum + (i * j) % 7;
        }
    }
    printf("%ld\n", sum);
    return 0;
}
