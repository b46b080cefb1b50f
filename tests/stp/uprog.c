/* Target of the uprobe scripts: add() is called three times. */
#include <stdio.h>

__attribute__((noinline)) int add(int a, int b)
{
	__asm__ volatile("" ::: "memory");
	return a + b;
}

int main(void)
{
	int i, s = 0;

	for (i = 0; i < 3; i++)
		s += add(i, 40);
	printf("sum %d\n", s);
	return 0;
}
