import { ElTooltip } from '@/ui/element-plus'
import { cloneVNode, defineComponent, h, nextTick, ref } from 'vue'
import type { ComponentPublicInstance, PropType, VNode } from 'vue'

type Placement = 'top' | 'bottom' | 'left' | 'right' | 'top-start' | 'top-end' | 'bottom-start' | 'bottom-end'
type TooltipInstance = InstanceType<typeof ElTooltip> & { onOpen: (event?: Event) => void }

/**
 * An Element Plus tooltip built on first hover or focus of its trigger, not before.
 *
 * A tooltip is a dozen components and a popper; a dashboard shows hundreds of status pills, and
 * building all their tooltips up front took a third of its first render. Until it is wanted only
 * the trigger (the default slot's single root, as with `ElTooltip`) is rendered, with listeners
 * that build the tooltip on the trigger as a virtual reference and open it for the hover or focus
 * that built it.
 */
export default defineComponent({
  name: 'LazyTooltip',
  inheritAttrs: false,
  props: {
    placement: { type: String as PropType<Placement>, default: 'top' },
    showAfter: { type: Number, default: 200 },
    hideAfter: { type: Number, default: 200 },
    enterable: { type: Boolean, default: true },
  },
  setup(props, { slots, attrs }) {
    const trigger = ref<HTMLElement | null>(null)
    const tooltip = ref<TooltipInstance | null>(null)
    const armed = ref(false)
    let inside = false

    function setTrigger(target: Element | ComponentPublicInstance | null): void {
      const el = target instanceof Element ? target : (target?.$el as unknown)
      trigger.value = el instanceof HTMLElement ? el : null
    }

    function arm(event: Event): void {
      inside = true
      if (armed.value) return
      armed.value = true
      // From now on the tooltip listens to the trigger itself; the event that built it is past.
      void nextTick(() => {
        if (inside) tooltip.value?.onOpen(event)
      })
    }

    function leave(): void {
      inside = false
    }

    return () => {
      const child = slots.default?.().find((v: VNode) => typeof v.type !== 'symbol')
      if (!child) return null
      const triggerNode = cloneVNode(child, { ref: setTrigger, onMouseenter: arm, onFocusin: arm, onMouseleave: leave, onFocusout: leave }, true)
      // Always a pair, so that arming patches the trigger in place: a new element would lose the
      // keyboard focus that armed it.
      if (!armed.value) return [triggerNode, null]
      return [
        triggerNode,
        h(
          ElTooltip,
          {
            ...attrs,
            ref: tooltip,
            virtualRef: trigger.value ?? undefined,
            virtualTriggering: true,
            placement: props.placement,
            showAfter: props.showAfter,
            hideAfter: props.hideAfter,
            enterable: props.enterable,
            // Status pills take keyboard focus so that their explanation is there without a mouse.
            trigger: ['hover', 'focus'],
          },
          { content: () => slots.content?.() },
        ),
      ]
    }
  },
})
