/// A binary min-heap: `pop` returns the smallest element (by `<`) first.
struct PriorityQueue<Element: Comparable> {
  private var heap: [Element] = []

  var isEmpty: Bool { heap.isEmpty }

  mutating func push(_ element: Element) {
    heap.append(element)
    var child = heap.count - 1
    while child > 0 {
      let parent = (child - 1) / 2
      guard heap[child] < heap[parent] else { break }
      heap.swapAt(parent, child)
      child = parent
    }
  }

  /// Removes and returns the smallest element, or nil if the queue is empty.
  mutating func pop() -> Element? {
    guard let last = heap.popLast() else { return nil }
    guard !heap.isEmpty else { return last }
    let top = heap[0]
    heap[0] = last
    var parent = 0
    while true {
      let left = 2 * parent + 1, right = left + 1
      var smallest = parent
      if left < heap.count, heap[left] < heap[smallest] { smallest = left }
      if right < heap.count, heap[right] < heap[smallest] { smallest = right }
      if smallest == parent { break }
      heap.swapAt(parent, smallest)
      parent = smallest
    }
    return top
  }
}
