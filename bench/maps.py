# map insert and lookup with string keys
def main():
    m = {}
    for i in range(0, 200000):
        m["k" + str(i)] = i
    total = 0
    for i in range(0, 200000):
        total = total + m["k" + str(i)]
    print(total)


main()
