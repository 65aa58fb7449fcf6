// INTERNAL. A vector that keeps its first N elements inline: routes of one or
// two hops and a worker's single address cost no allocation.
#ifndef OCKAM_RUNTIME_INTERNAL_SMALL_VECTOR_H_
#define OCKAM_RUNTIME_INTERNAL_SMALL_VECTOR_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <new>
#include <utility>

namespace ockam::detail {

template <class T, std::size_t N>
class SmallVector {
  static_assert(N > 0);

 public:
  SmallVector() = default;
  SmallVector(std::initializer_list<T> items) {
    reserve(items.size());
    for (const T& item : items) push_back(item);
  }
  SmallVector(const SmallVector& other) {
    reserve(other.size_);
    for (const T& item : other) push_back(item);
  }
  SmallVector(SmallVector&& other) noexcept { take(std::move(other)); }
  SmallVector& operator=(const SmallVector& other) {
    if (this != &other) {
      clear();
      reserve(other.size_);
      for (const T& item : other) push_back(item);
    }
    return *this;
  }
  SmallVector& operator=(SmallVector&& other) noexcept {
    if (this != &other) {
      clear();
      release_heap();
      take(std::move(other));
    }
    return *this;
  }
  ~SmallVector() {
    clear();
    release_heap();
  }

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  T* begin() { return data(); }
  T* end() { return data() + size_; }
  const T* begin() const { return data(); }
  const T* end() const { return data() + size_; }
  T& operator[](std::size_t i) { return data()[i]; }
  const T& operator[](std::size_t i) const { return data()[i]; }
  T& front() { return data()[0]; }
  const T& front() const { return data()[0]; }
  T& back() { return data()[size_ - 1]; }
  const T& back() const { return data()[size_ - 1]; }

  void push_back(T item) {
    reserve(size_ + 1);
    new (data() + size_) T(std::move(item));
    ++size_;
  }
  void push_front(T item) {
    reserve(size_ + 1);
    T* d = data();
    if (size_ == 0) {
      new (d) T(std::move(item));
    } else {
      new (d + size_) T(std::move(d[size_ - 1]));
      std::move_backward(d, d + size_ - 1, d + size_);
      d[0] = std::move(item);
    }
    ++size_;
  }
  void pop_front() {
    T* d = data();
    std::move(d + 1, d + size_, d);
    d[--size_].~T();
  }
  void pop_back() { data()[--size_].~T(); }
  void clear() {
    std::destroy(begin(), end());
    size_ = 0;
  }
  void reserve(std::size_t n) {
    if (n <= capacity_) return;
    const std::size_t cap = std::max<std::size_t>(n, 2 * capacity_);
    T* fresh = static_cast<T*>(::operator new(cap * sizeof(T), std::align_val_t{alignof(T)}));
    std::uninitialized_move(begin(), end(), fresh);
    std::destroy(begin(), end());
    release_heap();
    heap_ = fresh;
    capacity_ = static_cast<std::uint32_t>(cap);
  }

  friend bool operator==(const SmallVector& a, const SmallVector& b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end());
  }

 private:
  bool on_heap() const { return capacity_ > N; }
  T* data() { return on_heap() ? heap_ : reinterpret_cast<T*>(inline_); }
  const T* data() const { return on_heap() ? heap_ : reinterpret_cast<const T*>(inline_); }
  void release_heap() {
    if (on_heap()) ::operator delete(heap_, std::align_val_t{alignof(T)});
    capacity_ = N;
  }
  // Precondition: empty, no heap.
  void take(SmallVector&& other) noexcept {
    if (other.on_heap()) {
      heap_ = other.heap_;
      capacity_ = std::exchange(other.capacity_, static_cast<std::uint32_t>(N));
      size_ = std::exchange(other.size_, 0);
    } else {
      std::uninitialized_move(other.begin(), other.end(), begin());
      size_ = other.size_;
      other.clear();
    }
  }

  std::uint32_t size_ = 0;
  std::uint32_t capacity_ = N;  // more than N: the elements are on the heap
  union {
    T* heap_;  // alive while on_heap()
    alignas(T) unsigned char inline_[N * sizeof(T)];
  };
};

}  // namespace ockam::detail

#endif  // OCKAM_RUNTIME_INTERNAL_SMALL_VECTOR_H_
