# memory: 200 000 iterations, each builds and drops a small cycle of a list, a dict and two objects
class Node:
    def __init__(self):
        self.next = None


def main():
    total = 0
    for i in range(200000):
        l = [i]
        l.append(l)
        m = {"n": i}
        m["me"] = m
        m["list"] = l
        a = Node()
        b = Node()
        a.next = b
        b.next = a
        a.m = m
        total = total + len(l) + a.m["n"] % 7
    print(total)


main()
