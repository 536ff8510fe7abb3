# memory: 1 000 000 iterations, each builds a string "item-" + str(i) and a 3-element list
def main():
    total = 0
    for i in range(0, 1000000):
        s = "item-" + str(i)
        l = [i, s, i + 1]
        total = total + len(s) + len(l)
    print(total)


main()
