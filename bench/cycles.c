// memory: 200 000 iterations, each mallocs a small cycle (list, map, two objects) and frees it by hand
#include <stdio.h>
#include <stdlib.h>

typedef struct List { long n; struct List *self; } List;
typedef struct Map { long n; struct Map *me; List *list; } Map;
typedef struct Obj { struct Obj *next; Map *m; } Obj;

int main(void) {
    long total = 0;
    for (long i = 0; i < 200000; i++) {
        List *l = malloc(sizeof *l);
        l->n = i;
        l->self = l;
        Map *m = malloc(sizeof *m);
        m->n = i;
        m->me = m;
        m->list = l;
        Obj *a = malloc(sizeof *a), *b = malloc(sizeof *b);
        a->next = b;
        b->next = a;
        a->m = m;
        b->m = NULL;
        total += 2 + a->m->n % 7;
        free(a);
        free(b);
        free(m);
        free(l);
    }
    printf("%ld\n", total);
    return 0;
}
