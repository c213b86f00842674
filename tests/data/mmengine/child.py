_base_ = './base_schedule.py'
base_lr = 0.004
optim_wrapper = dict(optimizer=dict(lr=base_lr * 2))
param_scheduler = [
    dict(type='LinearLR', start_factor=1.0e-5, by_epoch=False, begin=0, end=40),
    dict(type='CosineAnnealingLR', eta_min=base_lr * 0.05, begin=6, T_max=6, by_epoch=True, convert_to_iter_based=True),
]
