# method calls through a 3-deep class chain: the method lives on Base,
# the receiver is an instance of Leaf (instance -> Leaf -> Mid -> Base)
class Base:
    def value(self, x):
        return x + 1


class Mid(Base):
    pass


class Leaf(Mid):
    pass


def main():
    o = Leaf()
    total = 0
    for i in range(0, 1000000):
        total = total + o.value(i)
    print(total)


main()
