# memory: 200 maps of 500 entries stay alive while 20 rounds update every 7th entry
def main():
    maps = []
    for i in range(200):
        m = {}
        for j in range(500):
            m["k" + str(j)] = j + i
        maps.append(m)
    total = 0
    for rnd in range(20):
        for m in maps:
            for j in range(0, 500, 7):
                k = "k" + str(j)
                m[k] = m[k] + rnd
                total = total + m[k]
    print(total)


main()
